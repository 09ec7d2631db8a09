using System.Text.Json;
using InventoryFunctions.Domain;

namespace InventoryFunctions.Http;

/// <summary>
/// Turns request JSON into domain commands, naming every bad field (<c>itemId</c>, <c>events[2].quantity</c>). A property
/// the command does not know is an error too: a typo such as <c>qty</c> must not fall back to a default silently.
/// </summary>
public static class CommandParser
{
    private static readonly string[] AddItemProperties = ["itemId", "quantity"];
    private static readonly string[] AppendEventsProperties = ["events"];
    private static readonly string[] EventProperties = ["type", "itemId", "quantity"];

    /// <summary><c>{"itemId":"sword","quantity":2}</c>, quantity optional (1).</summary>
    public static AddItem? ParseAddItem(JsonElement body, IDictionary<string, string[]> errors)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors["body"] = ["The body must be a JSON object like {\"itemId\":\"sword\",\"quantity\":2}."];
            return null;
        }
        RejectUnknownProperties(body, "", AddItemProperties, errors);
        var itemId = ReadItemId(body, "itemId", errors);
        var quantity = ReadQuantity(body, "quantity", errors);
        return itemId is null || quantity is null || errors.Count > 0 ? null : new AddItem(itemId, quantity.Value);
    }

    /// <summary><c>{"events":[{"type":"ItemAdded","itemId":"a","quantity":1}, ...]}</c>, 1..50 events, quantity optional (1).</summary>
    public static AppendEvents? ParseAppendEvents(JsonElement body, IDictionary<string, string[]> errors)
    {
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("events", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            errors["events"] = ["The body must be a JSON object with an 'events' array."];
            return null;
        }
        RejectUnknownProperties(body, "", AppendEventsProperties, errors);
        if (InventoryRules.ValidateEventCount(list.GetArrayLength()) is { } countError)
        {
            errors["events"] = [countError];
            return null;
        }

        var events = new List<InventoryEvent>(list.GetArrayLength());
        foreach (var (element, path) in ObjectsIn(list, "events", "event", EventProperties, errors))
        {
            var type = element.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            if (type is not (EventTypes.ItemAdded or EventTypes.ItemRemoved))
                errors[path + ".type"] = [$"type must be \"{EventTypes.ItemAdded}\" or \"{EventTypes.ItemRemoved}\"."];
            var itemId = ReadItemId(element, path + ".itemId", errors, "itemId");
            var quantity = ReadQuantity(element, path + ".quantity", errors, "quantity");
            if (itemId is not null && quantity is not null && EventTypes.Create(type, itemId, quantity.Value) is { } e)
                events.Add(e);
        }
        return events.Count == list.GetArrayLength() && errors.Count == 0 ? new AppendEvents(events) : null;
    }

    /// <summary>
    /// The objects of the array <paramref name="list"/> (the body's property <paramref name="name"/>), each with its path
    /// (<c>events[2]</c>) and its unknown properties refused; an element that is not an object is an error on its path.
    /// </summary>
    private static IEnumerable<(JsonElement Element, string Path)> ObjectsIn(JsonElement list, string name, string what, string[] properties,
        IDictionary<string, string[]> errors)
    {
        var index = 0;
        foreach (var element in list.EnumerateArray())
        {
            var path = $"{name}[{index++}]";
            if (element.ValueKind != JsonValueKind.Object)
            {
                errors[path] = [$"Each {what} must be a JSON object."];
                continue;
            }
            RejectUnknownProperties(element, path + ".", properties, errors);
            yield return (element, path);
        }
    }

    private static readonly string[] TransferProperties = ["to", "items"];
    private static readonly string[] TransferLineProperties = ["itemId", "quantity"];

    /// <summary>
    /// <c>{"to":"player-2","items":[{"itemId":"sword","quantity":1}, ...]}</c> from <paramref name="from"/>: 1..50 lines,
    /// each item once, quantity optional (1), <c>to</c> a valid inventory id other than <paramref name="from"/>.
    /// </summary>
    public static (string To, IReadOnlyList<TransferLine> Items)? ParseTransfer(JsonElement body, string from, IDictionary<string, string[]> errors)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors["body"] = ["The body must be a JSON object like {\"to\":\"player-2\",\"items\":[{\"itemId\":\"sword\",\"quantity\":1}]}."];
            return null;
        }
        RejectUnknownProperties(body, "", TransferProperties, errors);
        string? to = null;
        if (!body.TryGetProperty("to", out var toValue) || toValue.ValueKind != JsonValueKind.String)
            errors["to"] = ["to is required and must be a string: the receiving inventory's id."];
        else if (InventoryRules.ValidateInventoryId(toValue.GetString()) is { } toError)
            errors["to"] = [toError.Replace("inventoryId", "to", StringComparison.Ordinal)];
        else if ((to = toValue.GetString()) == from)
            errors["to"] = ["to must be another inventory than the one the items leave."];

        if (!body.TryGetProperty("items", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            errors["items"] = ["items is required and must be an array of {\"itemId\",\"quantity\"} lines."];
            return null;
        }
        var lines = new List<TransferLine>(list.GetArrayLength());
        foreach (var (element, path) in ObjectsIn(list, "items", "line", TransferLineProperties, errors))
        {
            var itemId = ReadItemId(element, path + ".itemId", errors);
            var quantity = ReadQuantity(element, path + ".quantity", errors);
            if (itemId is not null && quantity is not null)
                lines.Add(new TransferLine(itemId, quantity.Value));
        }
        if (errors.Count == 0 && InventoryRules.ValidateTransferLines(lines) is { } linesError)
            errors["items"] = [linesError];
        return errors.Count == 0 && to is not null ? (to, lines) : null;
    }

    public static string? ValidateRouteItemId(string itemId, IDictionary<string, string[]> errors)
    {
        if (InventoryRules.ValidateItemId(itemId) is { } error)
        {
            errors["itemId"] = [error];
            return null;
        }
        return itemId;
    }

    /// <summary>A new set of validation errors, holding the route's inventory id's if it is not valid.</summary>
    public static Dictionary<string, string[]> ErrorsForRoute(string inventoryId)
    {
        var errors = new Dictionary<string, string[]>();
        ValidateInventoryId(inventoryId, errors);
        return errors;
    }

    public static void ValidateInventoryId(string inventoryId, IDictionary<string, string[]> errors)
    {
        if (InventoryRules.ValidateInventoryId(inventoryId) is { } error)
            errors["inventoryId"] = [error];
    }

    /// <summary>Names each property of <paramref name="obj"/> that is not one of <paramref name="known"/> as an error.</summary>
    public static void RejectUnknownProperties(JsonElement obj, string pathPrefix, IReadOnlyCollection<string> known, IDictionary<string, string[]> errors)
    {
        foreach (var property in obj.EnumerateObject())
        {
            if (!known.Contains(property.Name, StringComparer.Ordinal))
                errors[pathPrefix + property.Name] = [$"Unknown property; this object takes {string.Join(", ", known)}."];
        }
    }

    private static string? ReadItemId(JsonElement obj, string path, IDictionary<string, string[]> errors, string property = "itemId")
    {
        if (!obj.TryGetProperty(property, out var value) || value.ValueKind != JsonValueKind.String)
        {
            errors[path] = [$"{property} is required and must be a string."];
            return null;
        }
        var itemId = value.GetString();
        if (InventoryRules.ValidateItemId(itemId) is { } error)
        {
            errors[path] = [error];
            return null;
        }
        return itemId;
    }

    private static int? ReadQuantity(JsonElement obj, string path, IDictionary<string, string[]> errors, string property = "quantity")
    {
        if (!obj.TryGetProperty(property, out var value))
            return 1;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var quantity) || InventoryRules.ValidateQuantity(quantity) is not null)
        {
            errors[path] = [$"{property} must be an integer from 1 to {InventoryRules.MaxQuantity}."];
            return null;
        }
        return (int)quantity;
    }
}
