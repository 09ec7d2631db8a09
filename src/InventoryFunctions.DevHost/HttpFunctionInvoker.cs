using System.Globalization;
using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;

namespace InventoryFunctions.DevHost;

/// <summary>
/// Calls one HTTP function the way the isolated worker's ASP.NET Core integration does: a new instance
/// per invocation from the request's DI scope, the <see cref="HttpRequest"/> for the trigger parameter,
/// route values by parameter name, and the result executed on the response.
/// </summary>
internal static class HttpFunctionInvoker
{
    public static async Task InvokeAsync(HttpFunction function, HttpContext context)
    {
        var method = function.Method;
        var target = method.IsStatic
            ? null
            : ActivatorUtilities.CreateInstance(context.RequestServices, method.DeclaringType!);
        var arguments = method.GetParameters().Select(p => BindParameter(p, context)).ToArray();

        var returned = method.Invoke(target, arguments);
        var result = returned is Task task ? await UnwrapAsync(task) : returned;

        switch (result)
        {
            case IResult httpResult:
                await httpResult.ExecuteAsync(context);
                break;
            case IActionResult actionResult:
                await actionResult.ExecuteResultAsync(new ActionContext(context, context.GetRouteData(), new ActionDescriptor()));
                break;
            case null:
                break;
            default:
                throw new InvalidOperationException(
                    $"Function {function.Name} returned {result.GetType().Name}; the dev host serves IResult and IActionResult.");
        }
    }

    private static object? BindParameter(ParameterInfo parameter, HttpContext context)
    {
        if (parameter.GetCustomAttribute<HttpTriggerAttribute>() is not null || parameter.ParameterType == typeof(HttpRequest))
            return context.Request;
        if (parameter.ParameterType == typeof(CancellationToken))
            return context.RequestAborted;
        if (context.GetRouteValue(parameter.Name!) is { } routeValue)
            return Convert.ChangeType(routeValue, Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType, CultureInfo.InvariantCulture);
        if (parameter.HasDefaultValue)
            return parameter.DefaultValue;
        throw new InvalidOperationException(
            $"The dev host cannot bind parameter '{parameter.Name}' of {parameter.Member.DeclaringType?.Name}.{parameter.Member.Name}.");
    }

    private static async Task<object?> UnwrapAsync(Task task)
    {
        await task;
        var type = task.GetType();
        return type.IsGenericType ? type.GetProperty(nameof(Task<object>.Result))!.GetValue(task) : null;
    }
}
