using InventoryFunctions.Application;
using InventoryFunctions.Domain;

namespace InventoryFunctions.Tests.Application;

public sealed class ErasureJobTests
{
    private static readonly DateTimeOffset T0 = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly Actor Admin = new(ActorKind.Admin, "ops-1");

    [Fact]
    public void A_job_runs_every_step_in_order_and_forgets_the_id_when_it_completes()
    {
        var job = ErasureJob.Accepted("0123456789abcdef0123456789abcdef", "player-1", Admin, ErasureJob.BatchedPath, T0);
        var steps = new List<ErasureStep>();
        var at = T0;
        while (job.State != ErasureStates.Completed)
        {
            steps.Add(job.Step);
            Assert.Equal("player-1", job.InventoryId);
            job = job.After(job.Step, new ErasureCounts(2, 3, 1.5), at = at.AddSeconds(1), TimeSpan.FromDays(30));
        }

        Assert.Equal(Enum.GetValues<ErasureStep>().Where(s => s != ErasureStep.Done), steps);
        Assert.Null(job.InventoryId);
        Assert.Equal(ErasureStep.Done, job.Step);
        Assert.Equal(new ErasureCounts(14, 21, 10.5), job.Counts);
        Assert.Equal(at, job.CompletedAt);
        Assert.Equal(at.AddDays(30), job.ExpiresAt);
        Assert.Equal(T0.AddSeconds(1), job.StartedAt);
    }

    [Fact]
    public void A_step_reported_out_of_turn_or_after_completion_is_refused()
    {
        var job = ErasureJob.Accepted("0123456789abcdef0123456789abcdef", "player-1", Admin, ErasureJob.BatchedPath, T0);

        Assert.Throws<InvalidOperationException>(() => job.After(ErasureStep.Board, ErasureCounts.None, T0, TimeSpan.FromDays(1)));
        while (job.State != ErasureStates.Completed)
            job = job.After(job.Step, ErasureCounts.None, T0, TimeSpan.FromDays(1));
        Assert.Throws<InvalidOperationException>(() => job.After(ErasureStep.Done, ErasureCounts.None, T0, TimeSpan.FromDays(1)));
    }

    [Fact]
    public void The_job_id_is_a_keyed_hash_of_the_id_and_the_pseudonym_never_an_inventory_id()
    {
        var options = new ErasureOptions { ErasureHashKey = new string('k', 32) };
        var other = new ErasureOptions { ErasureHashKey = new string('j', 32) };

        var id = options.JobIdFor("player-1");
        Assert.True(ErasureJob.IsValidId(id));
        Assert.Equal(id, options.JobIdFor("player-1"));
        Assert.NotEqual(id, options.JobIdFor("player-2"));
        Assert.NotEqual(id, other.JobIdFor("player-1"));
        Assert.DoesNotContain("player", id, StringComparison.Ordinal);
        Assert.NotNull(InventoryRules.ValidateInventoryId(ErasureOptions.PseudonymFor(id)));
    }
}
