using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InventoryFunctions.Http.Auth;

/// <summary>
/// Authenticates and authorizes every HTTP invocation before its function runs: the function's declared
/// <see cref="AccessPolicy"/>, the bearer token (<see cref="BearerTokenValidator"/>), and the route's inventory id.
/// A refusal answers the problem and the function never runs, so nothing is written: 401 <c>unauthenticated</c> with
/// <c>WWW-Authenticate: Bearer</c> (plus <c>error="invalid_token"</c> when a token was sent), 403 <c>forbidden</c> for
/// a valid token the policy does not allow. The functions are <c>Anonymous</c> at the host: this is the only check.
/// </summary>
public sealed class BearerAuthenticationMiddleware(AccessPolicies policies, BearerTokenValidator validator, IOptions<AuthOptions> options, ILogger<BearerAuthenticationMiddleware> logger)
    : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.GetHttpContext();
        if (http is null)
        {
            await next(context);
            return;
        }

        var name = context.FunctionDefinition.Name;
        var policy = policies.For(name);
        if (policy == AccessPolicy.Anonymous)
        {
            await next(context);
            return;
        }

        var refusal = await CheckAsync(http, name, policy, context.BindingContext.BindingData, context.CancellationToken);
        if (refusal is not null)
        {
            context.GetInvocationResult().Value = refusal;
            return;
        }
        await next(context);
    }

    private async Task<IResult?> CheckAsync(HttpContext http, string function, AccessPolicy? policy,
        IReadOnlyDictionary<string, object?> bindingData, CancellationToken cancellationToken)
    {
        switch (await validator.ValidateAsync(http.Request.Headers.Authorization.ToString() is { Length: > 0 } header ? header : null, cancellationToken))
        {
            case TokenCheck.Missing:
                return HttpEdge.WithHeader("WWW-Authenticate", "Bearer",
                    Problems.Unauthenticated.With("Send a bearer token: Authorization: Bearer <token>. README says how to get one."));
            case TokenCheck.Invalid invalid:
                logger.LogInformation("Refused a bearer token for {Function}: {Reason}", function, invalid.Reason);
                return HttpEdge.WithHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"",
                    Problems.Unauthenticated.With("The bearer token is not valid (signature, issuer, audience or lifetime). Get a new one."));
            case TokenCheck.IssuerUnavailable:
                return HttpEdge.WithRetryAfter(5, Problems.ServiceUnavailable.With("The token issuer's keys could not be read; nothing was done. Retry shortly."));
            case TokenCheck.Valid { Principal: var principal }:
                var inventoryId = bindingData.TryGetValue(AccessPolicies.InventoryIdParameter, out var value) ? value as string : null;
                if (policy is null)
                {
                    logger.LogError("HTTP function {Function} declares no access policy; refusing every caller", function);
                    return Problems.Forbidden.With($"'{function}' declares no access policy.");
                }
                if (!AccessPolicies.Allows(policy.Value, principal, inventoryId, options.Value.AllowPlayerTransfers))
                {
                    return Problems.Forbidden.With(inventoryId is not null && principal.IsPlayer
                        ? $"A player may only use its own inventory; this token's player id does not own '{inventoryId}'."
                        : $"This route needs {Needs(policy.Value)}.");
                }
                principal.AttachTo(http);
                return null;
            default:
                throw new InvalidOperationException("Unmapped token check.");
        }
    }

    private static string Needs(AccessPolicy policy) => policy switch
    {
        AccessPolicy.InventoryRead => $"the inventory's owner or the role {AppRoles.Server}, {AppRoles.Support} or {AppRoles.Admin}",
        AccessPolicy.InventoryWrite => $"the inventory's owner or the role {AppRoles.Server}",
        AccessPolicy.AllInventoriesRead => $"the role {AppRoles.Server}, {AppRoles.Support} or {AppRoles.Admin}",
        _ => $"the role {AppRoles.Admin}",
    };
}
