using System.Globalization;
using System.Text;
using System.Text.Json;

namespace InventoryFunctions.Http;

/// <summary>
/// Checks a request body before anything reads it: valid UTF-8, exactly one JSON value (nothing after it but
/// whitespace), and no object naming a property twice. System.Text.Json alone lets the last duplicate win
/// (<c>{"itemId":"a","itemId":"b"}</c> would add "b") and only notices invalid UTF-8 inside a string when the string
/// is read, far from the edge. Each problem names where it is: a byte offset, or the property's path.
/// </summary>
public static class StrictJson
{
    /// <summary>The parsed body, or null with the reasons on <paramref name="errors"/> (key <c>body</c> or a property path).</summary>
    public static JsonDocument? Parse(ReadOnlyMemory<byte> body, IDictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (FirstInvalidUtf8(body.Span) is { } offset)
        {
            errors["body"] = [Invariant($"The body is not valid UTF-8 at byte offset {offset}.")];
            return null;
        }

        try
        {
            if (FirstDuplicateProperty(body.Span) is { } duplicate)
            {
                errors[duplicate] = ["This property appears more than once in its object."];
                return null;
            }

            return JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            var at = OffsetOf(body.Span, e.LineNumber ?? 0, e.BytePositionInLine ?? 0);
            errors["body"] = [Invariant($"The body is not valid JSON at byte offset {at}: {FirstSentence(e.Message)}")];
            return null;
        }
    }

    /// <summary>The offset of the first byte that does not start a valid UTF-8 sequence, or null when all are valid.</summary>
    public static int? FirstInvalidUtf8(ReadOnlySpan<byte> utf8)
    {
        var offset = 0;
        while (offset < utf8.Length)
        {
            if (Rune.DecodeFromUtf8(utf8[offset..], out _, out var consumed) != System.Buffers.OperationStatus.Done)
                return offset;
            offset += consumed;
        }

        return null;
    }

    /// <summary>The path (<c>events[2].itemId</c>) of the first property named twice in one object, or null.</summary>
    /// <exception cref="JsonException">The body is not one well-formed JSON value.</exception>
    private static string? FirstDuplicateProperty(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        // One frame per open object or array: the path to it, and the names seen (objects) or the next index (arrays).
        var frames = new Stack<(string Path, HashSet<string>? Names, int Index)>();
        string? property = null;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    var (path, names, _) = frames.Peek();
                    property = reader.GetString()!;
                    if (!names!.Add(property))
                        return Join(path, property);
                    break;
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    var here = PathOfValue(frames, ref property);
                    frames.Push((here, reader.TokenType == JsonTokenType.StartObject ? new HashSet<string>(StringComparer.Ordinal) : null, 0));
                    break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    frames.Pop();
                    break;
                default:
                    PathOfValue(frames, ref property);
                    break;
            }
        }

        return null;
    }

    // The path of the value just read, which also moves its parent array on to the next index.
    private static string PathOfValue(Stack<(string Path, HashSet<string>? Names, int Index)> frames, ref string? property)
    {
        if (frames.Count == 0)
            return "";
        var (path, names, index) = frames.Pop();
        frames.Push((path, names, names is null ? index + 1 : index));
        var here = names is null ? Invariant($"{path}[{index}]") : Join(path, property!);
        property = null;
        return here;
    }

    private static string Join(string path, string property) => path.Length == 0 ? property : $"{path}.{property}";

    // JsonException reports a line and a byte within it; clients get one offset into the body.
    private static long OffsetOf(ReadOnlySpan<byte> utf8, long line, long byteInLine)
    {
        var offset = 0;
        for (var i = 0; i < line; i++)
        {
            var next = utf8[offset..].IndexOf((byte)'\n');
            if (next < 0)
                break;
            offset += next + 1;
        }

        return offset + byteInLine;
    }

    // "'x' is invalid after a single JSON value. Expected end of data. LineNumber: 0 | BytePositionInLine: 9." → up to the first period.
    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
