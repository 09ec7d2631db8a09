using System.Text.Json.Nodes;

namespace Infrastructure.Tests;

[Collection(TemplateTestGroup.Name)]
public sealed class RoleAssignmentTests(InfrastructureTemplate template)
{
    private const string RoleAssignmentType = "Microsoft.Authorization/roleAssignments";
    private const string CosmosRoleAssignmentType = "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments";
    private const string CosmosDataContributor = "00000000-0000-0000-0000-000000000002";

    private Snapshot Snapshot => template.Default;

    [Theory]
    [InlineData("Storage Blob Data Owner", "b7e6dc6d-f1e8-4753-8033-0f276bb0955b", "Microsoft.Storage/storageAccounts")]
    [InlineData("Storage Queue Data Contributor", "974c5e8b-45b9-4653-ba55-5f855dd0fb88", "Microsoft.Storage/storageAccounts")]
    [InlineData("Monitoring Metrics Publisher", "3913510d-42f4-4e42-8a64-420c390055eb", "Microsoft.Insights/components")]
    public void The_app_identity_holds_a_data_role_on_the_resource_it_uses(string role, string roleDefinition, string scopeType)
    {
        var assignment = Assert.Single(
            AppAssignments(Snapshot),
            assignment => assignment.Type == RoleAssignmentType && assignment.Role.EndsWith($"/{roleDefinition}", StringComparison.Ordinal));

        Assert.True(assignment.Scope == Snapshot.Id(Snapshot.One(scopeType)), $"{role} is scoped to {assignment.Scope}");
        Assert.Equal(
            $"/subscriptions/{InfrastructureTemplate.SubscriptionId}/providers/Microsoft.Authorization/roleDefinitions/{roleDefinition}",
            assignment.Role);
        Assert.Equal("ServicePrincipal", (string?)assignment.Resource["properties"]!["principalType"]);
    }

    [Fact]
    public void The_app_identity_is_a_Cosmos_DB_Built_in_Data_Contributor_on_the_account()
    {
        var cosmos = Snapshot.Id(Snapshot.CosmosAccount);
        var assignment = Assert.Single(AppAssignments(Snapshot), assignment => assignment.Type == CosmosRoleAssignmentType);

        Assert.Equal(cosmos, assignment.Scope);
        Assert.Equal($"{cosmos}/sqlRoleDefinitions/{CosmosDataContributor}", assignment.Role);
    }

    [Fact]
    public void The_app_identity_holds_no_other_roles()
    {
        Assert.Equal(4, AppAssignments(Snapshot).Count);
    }

    [Fact]
    public void Role_assignment_names_are_deterministic_guids()
    {
        var names = AppAssignments(template.Default).Select(assignment => assignment.Name).Order().ToList();

        Assert.All(names, name => Assert.True(Guid.TryParse(name, out _), $"{name} is not a GUID"));
        Assert.Equal(names, AppAssignments(template.Autoscale).Select(assignment => assignment.Name).Order());
    }

    [Fact]
    public void The_deploying_principal_gets_Cosmos_and_queue_data_access_only_when_given()
    {
        var given = Assignments(template.Default)
            .Where(assignment => assignment.PrincipalId == InfrastructureTemplate.DeployingPrincipalId)
            .ToList();

        Assert.Contains(given, assignment => assignment.Type == CosmosRoleAssignmentType && assignment.Role.EndsWith(CosmosDataContributor, StringComparison.Ordinal));
        Assert.Contains(given, assignment => assignment.Type == RoleAssignmentType && assignment.Role.EndsWith("974c5e8b-45b9-4653-ba55-5f855dd0fb88", StringComparison.Ordinal));
        Assert.Equal(Assignments(template.Autoscale).Count, AppAssignments(template.Autoscale).Count);
    }

    private static List<Assignment> AppAssignments(Snapshot snapshot)
    {
        // The site's principal id is known only after deployment: reference(<site id>, ..., 'full').identity.principalId.
        var site = Snapshot.Id(snapshot.FunctionApp);
        return Assignments(snapshot)
            .Where(assignment => assignment.PrincipalId.StartsWith("[reference(", StringComparison.Ordinal)
                && assignment.PrincipalId.Contains($"'{site}'", StringComparison.Ordinal)
                && assignment.PrincipalId.EndsWith(".identity.principalId]", StringComparison.Ordinal))
            .ToList();
    }

    private static List<Assignment> Assignments(Snapshot snapshot) =>
        [
            .. snapshot.OfType(RoleAssignmentType).Select(resource =>
            {
                // An extension resource's id is <scope>/providers/Microsoft.Authorization/roleAssignments/<name>.
                var id = Snapshot.Id(resource);
                var scope = id[..id.IndexOf("/providers/Microsoft.Authorization/roleAssignments/", StringComparison.OrdinalIgnoreCase)];
                return new Assignment(resource, RoleAssignmentType, Snapshot.Name(resource), scope,
                    (string)resource["properties"]!["roleDefinitionId"]!, (string)resource["properties"]!["principalId"]!);
            }),
            .. snapshot.OfType(CosmosRoleAssignmentType).Select(resource => new Assignment(
                resource, CosmosRoleAssignmentType, Snapshot.Name(resource).Split('/')[^1], (string)resource["properties"]!["scope"]!,
                (string)resource["properties"]!["roleDefinitionId"]!, (string)resource["properties"]!["principalId"]!)),
        ];

    private sealed record Assignment(JsonObject Resource, string Type, string Name, string Scope, string Role, string PrincipalId);
}
