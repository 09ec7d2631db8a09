using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace InventoryFunctions;

/// <summary>
/// Binds an options class from the flat app settings (each property names its setting with
/// <see cref="ConfigurationKeyNameAttribute"/>) and checks it when the app starts: a value out of range, malformed or
/// of the wrong type stops the app with the setting's name, instead of being clamped or ignored at run time.
/// </summary>
public static class SettingsValidation
{
    public static OptionsBuilder<T> AddSettings<T>(this IServiceCollection services, IConfiguration configuration) where T : class
    {
        services.AddSingleton<IValidateOptions<T>, SettingsValidator<T>>();
        return services.AddOptions<T>().Bind(configuration).ValidateOnStart();
    }

    /// <summary>The app setting a property is bound from.</summary>
    public static string SettingOf(PropertyInfo property) =>
        property.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? property.Name;

    /// <summary>Every data-annotation rule of every property, each failure naming the app setting and the value it had.</summary>
    private sealed class SettingsValidator<T> : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var failures = new List<string>();
            foreach (var property in typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                var setting = SettingOf(property);
                var value = property.GetValue(options);
                var results = new List<ValidationResult>();
                var context = new ValidationContext(options) { MemberName = property.Name, DisplayName = setting };
                if (!Validator.TryValidateProperty(value, context, results))
                    failures.AddRange(results.Select(r => $"App setting '{setting}' ({Shown(value)}) is invalid: {r.ErrorMessage}"));
            }
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }

        private static string Shown(object? value) =>
            value is null ? "unset" : "'" + Convert.ToString(value, CultureInfo.InvariantCulture) + "'";
    }
}
