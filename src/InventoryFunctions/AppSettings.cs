namespace InventoryFunctions;

/// <summary>
/// Names of every app setting the code reads. Trigger attributes use them as <c>%Name%</c> binding
/// expressions, options bind from them, and tests check that each has a value in
/// <c>local.settings.sample.json</c> and in <c>infra/main.bicep</c>.
/// </summary>
public static class AppSettings
{
    /// <summary>Cosmos DB connection: a connection string locally, <c>CosmosDb__accountEndpoint</c> (managed identity) in Azure.</summary>
    public const string CosmosConnection = "CosmosDb";
    public const string DatabaseName = "CosmosDatabaseName";
    public const string EventsContainerName = "EventsContainerName";
    public const string ProjectionsContainerName = "ProjectionsContainerName";
    public const string LeasesContainerName = "LeasesContainerName";

    /// <summary>Storage connection for the poison queue: a connection string locally, <c>PoisonQueueStorage__queueServiceUri</c> in Azure.</summary>
    public const string PoisonQueueConnection = "PoisonQueueStorage";
    public const string PoisonQueueName = "PoisonQueueName";

    /// <summary>The queue the pages of a rebuild-all job run from (default <c>projection-rebuilds</c>), on the poison queue's connection.</summary>
    public const string RebuildQueueName = "RebuildQueueName";

    /// <summary>Inventories per page of a rebuild-all job (default 100, 1–1000): one queue message, one invocation.</summary>
    public const string RebuildPageSize = "RebuildPageSize";

    /// <summary>Every how many events a snapshot of the state is stored (default 100).</summary>
    public const string SnapshotInterval = "SnapshotInterval";

    /// <summary>Estimated unprojected changes per change-feed function above which /api/health says degraded (default 1000).</summary>
    public const string ProjectionLagThreshold = "ProjectionLagThreshold";

    /// <summary>Seconds a /api/health answer is reused (default 5), bounding what probes cost Cosmos DB.</summary>
    public const string HealthCacheSeconds = "HealthCacheSeconds";

    /// <summary>When the status timer publishes the projection status (NCRONTAB with seconds; <c>0 */1 * * * *</c>).</summary>
    public const string ProjectionStatusSchedule = "ProjectionStatusSchedule";

    /// <summary>Minutes after which /api/health calls the published projection status stale (default 5).</summary>
    public const string ProjectionStatusStaleMinutes = "ProjectionStatusStaleMinutes";

    /// <summary>When the timer drives on transfers left debited (NCRONTAB with seconds; <c>0 */1 * * * *</c>).</summary>
    public const string TransferRecoverySchedule = "TransferRecoverySchedule";
    /// <summary>
    /// The OpenID Connect issuer whose bearer tokens the app accepts (the token's <c>iss</c>, exactly): Entra ID's
    /// <c>https://login.microsoftonline.com/{tenant}/v2.0</c> in Azure, the local host's development issuer locally.
    /// Its keys come from <c>{issuer}/.well-known/openid-configuration</c>.
    /// </summary>
    public const string AuthIssuer = "AuthIssuer";

    /// <summary>The audience a token must name (<c>aud</c>): the API's application (client) id in Entra ID.</summary>
    public const string AuthAudience = "AuthAudience";

    /// <summary>The claim holding a player's id, which is the id of the inventory the player owns (default <c>sub</c>).</summary>
    public const string AuthPlayerIdClaim = "AuthPlayerIdClaim";

    /// <summary>Seconds of clock difference allowed when checking a token's <c>exp</c> and <c>nbf</c> (default 60, 0–300).</summary>
    public const string AuthClockSkewSeconds = "AuthClockSkewSeconds";

    /// <summary>Whether a player may start a transfer out of its own inventory (default false: only servers may).</summary>
    public const string AllowPlayerTransfers = "AllowPlayerTransfers";
}
