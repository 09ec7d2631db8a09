namespace Infrastructure.Tests;

// Bicep reports type errors (an unknown property, a misspelt enum value) as warnings with exit code 0,
// so every diagnostic counts as a failure here, not just the exit code.
[Collection(TemplateTestGroup.Name)]
public sealed class CompilationTests(InfrastructureTemplate template)
{
    [Fact]
    public void Bicep_build_compiles_main_bicep_without_a_single_diagnostic()
    {
        Assert.True(template.Build.ExitCode == 0, template.Build.ToString());
        Assert.Empty(BicepCli.SarifDiagnostics(template.Build.StandardError));
    }

    [Fact]
    public void Bicep_lint_finds_nothing_to_report_in_main_bicep()
    {
        Assert.True(template.Lint.ExitCode == 0, template.Lint.ToString());
        Assert.Empty(BicepCli.SarifDiagnostics(template.Lint.StandardOutput));
    }

    [Fact]
    public void Snapshots_of_a_deployment_resolve_without_diagnostics()
    {
        Assert.Empty(template.Default.Diagnostics);
        Assert.Empty(template.Autoscale.Diagnostics);
    }

    [Fact]
    public void The_template_deploys_into_a_resource_group_and_uses_no_registry_modules()
    {
        Assert.Contains("deploymentTemplate.json", (string?)template.CompiledTemplate["$schema"], StringComparison.Ordinal);
        var source = File.ReadAllText(template.MainBicepPath);
        Assert.DoesNotContain("'br/", source, StringComparison.Ordinal);
        Assert.DoesNotContain("'br:", source, StringComparison.Ordinal);
        Assert.DoesNotContain("'ts/", source, StringComparison.Ordinal);
    }
}
