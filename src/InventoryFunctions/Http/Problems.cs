using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace InventoryFunctions.Http;

/// <summary>
/// One kind of RFC 9457 problem this API answers with: a stable type URI (<see cref="Problems.TypeBase"/> + name),
/// its status and its one title. Details vary per answer; the rest never does.
/// </summary>
public sealed record ProblemType(string Name, int Status, string Title)
{
    public string Type => Problems.TypeBase + Name;

    public ProblemHttpResult With(string? detail = null, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail: detail, statusCode: Status, title: Title, type: Type, extensions: extensions);
}

/// <summary>Every problem type the API answers with, each named once (README lists them for clients).</summary>
public static class Problems
{
    public const string TypeBase = "https://inventoryfunctions.dev/problems/";

    public static readonly ProblemType ValidationFailed = new("validation-failed", StatusCodes.Status400BadRequest, "The request is not valid.");
    public static readonly ProblemType UnsupportedMediaType = new("unsupported-media-type", StatusCodes.Status415UnsupportedMediaType, "The body must be JSON.");
    public static readonly ProblemType PayloadTooLarge = new("payload-too-large", StatusCodes.Status413PayloadTooLarge, "The body is too large.");
    public static readonly ProblemType RouteNotFound = new("route-not-found", StatusCodes.Status404NotFound, "No such resource.");
    public static readonly ProblemType MethodNotAllowed = new("method-not-allowed", StatusCodes.Status405MethodNotAllowed, "The resource does not answer this method.");
    public static readonly ProblemType InventoryNotFound = new("inventory-not-found", StatusCodes.Status404NotFound, "No such inventory.");
    public static readonly ProblemType RebuildJobNotFound = new("rebuild-job-not-found", StatusCodes.Status404NotFound, "No such rebuild job.");
    public static readonly ProblemType TransferNotFound = new("transfer-not-found", StatusCodes.Status404NotFound, "No such transfer.");
    public static readonly ProblemType VersionNotFound = new("version-not-found", StatusCodes.Status404NotFound, "No such version yet.");
    public static readonly ProblemType InsufficientQuantity = new("insufficient-quantity", StatusCodes.Status409Conflict, "Not enough of the item is held.");
    public static readonly ProblemType DistinctItemsLimitExceeded = new("distinct-items-limit-exceeded", StatusCodes.Status409Conflict, "The inventory holds as many distinct items as it can.");
    public static readonly ProblemType HoldingLimitExceeded = new("holding-limit-exceeded", StatusCodes.Status409Conflict, "The item's count would overflow.");
    public static readonly ProblemType VersionMismatch = new("version-mismatch", StatusCodes.Status412PreconditionFailed, "The inventory is at another version.");
    public static readonly ProblemType IdempotencyKeyReused = new("idempotency-key-reused", StatusCodes.Status422UnprocessableEntity, "The idempotency key was used for another request.");
    public static readonly ProblemType TooMuchContention = new("too-much-contention", StatusCodes.Status503ServiceUnavailable, "Too many concurrent writers.");
    public static readonly ProblemType ServiceUnavailable = new("service-unavailable", StatusCodes.Status503ServiceUnavailable, "A dependency is unavailable.");
    public static readonly ProblemType CorruptEvent = new("corrupt-event", StatusCodes.Status500InternalServerError, "The inventory's log holds an event that cannot be read.");
    public static readonly ProblemType ViewRejected = new("view-rejected", StatusCodes.Status500InternalServerError, "The store refused the inventory's view.");
    public static readonly ProblemType Unauthenticated = new("unauthenticated", StatusCodes.Status401Unauthorized, "A valid bearer token is required.");
    public static readonly ProblemType Forbidden = new("forbidden", StatusCodes.Status403Forbidden, "The token does not allow this request.");
    public static readonly ProblemType CorruptProjection = new("corrupt-projection", StatusCodes.Status500InternalServerError, "The inventory's projection cannot be read.");

    /// <summary>404 <c>inventory-not-found</c> for a read of the log (audit log, time travel, replay): no event has this inventory id.</summary>
    public static ProblemHttpResult NoEvents(string inventoryId) => InventoryNotFound.With($"Inventory '{inventoryId}' has no events.");

    /// <summary>404 <c>version-not-found</c> with <c>currentVersion</c>, where the inventory is.</summary>
    public static ProblemHttpResult VersionNotReached(string detail, long currentVersion) =>
        VersionNotFound.With(detail, new Dictionary<string, object?> { ["currentVersion"] = currentVersion });

    public static ProblemHttpResult Validation(IDictionary<string, string[]> errors) =>
        ValidationFailed.With("See 'errors' for every field that was rejected.", new Dictionary<string, object?> { ["errors"] = errors });
}
