using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;

namespace Infrastructure.Tests;

public sealed record BicepResult(int ExitCode, string StandardOutput, string StandardError)
{
    public override string ToString() =>
        $"exit code {ExitCode}{Environment.NewLine}stdout:{Environment.NewLine}{StandardOutput}{Environment.NewLine}stderr:{Environment.NewLine}{StandardError}";
}

/// <summary>
/// Runs the Bicep CLI restored from the <c>Azure.Bicep.CommandLine.linux-x64</c> package (path baked into
/// this assembly at build time), or the one named by the <c>BICEP_PATH</c> environment variable.
/// </summary>
public static class BicepCli
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private static readonly Lazy<string> Executable = new(Locate);

    public static string ExecutablePath => Executable.Value;

    public static async Task<BicepResult> RunAsync(string workingDirectory, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(ExecutablePath)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"Could not start {ExecutablePath}.");
        using var timeout = new CancellationTokenSource(Timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', arguments)} did not finish within {Timeout}.");
        }

        return new BicepResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The diagnostics in a SARIF log, one line each; empty when there are none.</summary>
    public static IReadOnlyList<string> SarifDiagnostics(string sarif)
    {
        var log = JsonNode.Parse(sarif) ?? throw new InvalidOperationException("Empty SARIF output.");
        return log["runs"]!.AsArray()
            .SelectMany(run => run!["results"]?.AsArray() ?? [])
            .Select(result =>
            {
                var region = result!["locations"]?[0]?["physicalLocation"]?["region"];
                return $"{result["ruleId"]} (line {region?["startLine"]}): {result["message"]?["text"]}";
            })
            .ToList();
    }

    private static string Locate()
    {
        var configured = Environment.GetEnvironmentVariable("BICEP_PATH");
        if (string.IsNullOrWhiteSpace(configured))
        {
            configured = typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .SingleOrDefault(attribute => attribute.Key == "BicepPath")?.Value;
        }

        if (string.IsNullOrWhiteSpace(configured))
        {
            throw new InvalidOperationException(
                "No Bicep CLI: restore the Azure.Bicep.CommandLine.linux-x64 package (dotnet restore) or set BICEP_PATH.");
        }

        // The package's props join the path with backslashes.
        var path = Path.GetFullPath(OperatingSystem.IsWindows() ? configured : configured.Replace('\\', '/'));
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"The Bicep CLI is not at {path}; run dotnet restore or set BICEP_PATH.");
        }

        // NuGet does not always keep the execute bit of files it extracts.
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            if (!mode.HasFlag(UnixFileMode.UserExecute))
            {
                File.SetUnixFileMode(path, mode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            }
        }

        return path;
    }
}
