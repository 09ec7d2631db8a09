using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Configuration;

namespace InventoryFunctions;

/// <summary>
/// The credential of an identity-based connection, following the Functions convention for connection settings:
/// <c>&lt;Connection&gt;__credential = managedidentity</c> (optionally <c>__clientId</c> for a user-assigned identity)
/// in Azure; otherwise <see cref="DefaultAzureCredential"/> (a developer's az / VS sign-in against a real account).
/// </summary>
internal static class AzureCredentials
{
    public static TokenCredential For(IConfigurationSection connection) =>
        string.Equals(connection["credential"], "managedidentity", StringComparison.OrdinalIgnoreCase)
            ? new ManagedIdentityCredential(connection["clientId"] is { Length: > 0 } clientId
                ? ManagedIdentityId.FromUserAssignedClientId(clientId)
                : ManagedIdentityId.SystemAssigned)
            : new DefaultAzureCredential();
}
