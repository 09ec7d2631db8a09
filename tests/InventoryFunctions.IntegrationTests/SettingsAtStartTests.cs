using System.Diagnostics;

namespace InventoryFunctions.IntegrationTests;

/// <summary>
/// The app's real worker process with a wrong setting: it stops at start, before it serves anything, naming the
/// setting and its value (no host is needed for that: the settings are checked before the worker dials one).
/// </summary>
public sealed class SettingsAtStartTests
{
    [Fact]
    public async Task The_worker_stops_at_start_naming_each_wrong_setting_and_starts_with_the_sample_settings()
    {
        var wrong = await RunWorkerAsync(new() { [AppSettings.RebuildPageSize] = "0", [AppSettings.PoisonQueueName] = "Bad_Name" });
        var sample = await RunWorkerAsync([]);

        Assert.NotEqual(0, wrong.ExitCode);
        Assert.Contains("App setting 'RebuildPageSize' ('0') is invalid: The field RebuildPageSize must be between 1 and 1000.", wrong.Output);
        Assert.Contains("App setting 'PoisonQueueName' ('Bad_Name') is invalid", wrong.Output);
        // With the sample's values it gets past the settings and only fails to reach a host (nothing listens on port 9).
        Assert.DoesNotContain("App setting", sample.Output);
    }

    /// <summary>The built worker with local.settings.sample.json's values and <paramref name="overrides"/> as its environment, pointed at no host.</summary>
    private static async Task<(int ExitCode, string Output)> RunWorkerAsync(Dictionary<string, string> overrides)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = LocalApp.ScriptRoot, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { "InventoryFunctions.dll", "--functions-uri", "http://127.0.0.1:9/", "--functions-worker-id", "settings-test",
                     "--functions-request-id", "settings-test", "--functions-grpc-max-message-length", "2147483647" })
            start.ArgumentList.Add(argument);
        foreach (var (name, value) in RepositoryPaths.SampleAppSettings())
            start.Environment[name] = value;
        foreach (var (name, value) in overrides)
            start.Environment[name] = value;

        using var process = Process.Start(start)!;
        var output = Task.WhenAll(process.StandardError.ReadToEndAsync(), process.StandardOutput.ReadToEndAsync());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited)
                process.Kill(entireProcessTree: true);
        }
        return (process.ExitCode, string.Join("\n", await output));
    }
}
