using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace InventoryFunctions.Http;

public static class ViewResults
{
    /// <summary>No projection yet: the inventory has no events, or the projector has not reached it.</summary>
    public static ProblemHttpResult NotFound(string inventoryId) => Problems.Create(StatusCodes.Status404NotFound, "inventory-not-found",
        "No such inventory.", $"Inventory '{inventoryId}' has no projection yet: it has no events, or they are still being projected.");

    /// <summary>The stored view cannot be read; the projector rebuilds it on the next event, the rebuild endpoint at once.</summary>
    public static ProblemHttpResult Corrupt(string inventoryId) => Problems.Create(StatusCodes.Status500InternalServerError, "corrupt-projection",
        "The inventory's projection cannot be read.",
        $"The projection of '{inventoryId}' is damaged; POST /api/projections/rebuild {{\"inventoryId\":\"{inventoryId}\"}} recomputes it from the log.");
}
