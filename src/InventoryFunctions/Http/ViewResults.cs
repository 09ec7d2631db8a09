using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace InventoryFunctions.Http;

public static class ViewResults
{
    /// <summary>No projection yet: the inventory has no events, or the projector has not reached it.</summary>
    public static ProblemHttpResult NotFound(string inventoryId) => Problems.Create(StatusCodes.Status404NotFound, "inventory-not-found",
        "No such inventory.", $"Inventory '{inventoryId}' has no projection yet: it has no events, or they are still being projected.");
}
