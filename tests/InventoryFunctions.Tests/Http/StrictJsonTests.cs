using System.Text;
using InventoryFunctions.Http;

namespace InventoryFunctions.Tests.Http;

public sealed class StrictJsonTests
{
    [Theory]
    [InlineData("""{"itemId":"a","quantity":2}""")]
    [InlineData("""  {"events":[{"type":"ItemAdded","itemId":"épée"},{"type":"ItemAdded","itemId":"剣"}]}  """)]
    [InlineData("""{"a":{"x":1},"b":{"x":2},"c":[{"x":1},{"x":2}]}""")] // the same name in different objects
    public void Well_formed_bodies_parse(string json)
    {
        var errors = new Dictionary<string, string[]>();

        using var document = StrictJson.Parse(Encoding.UTF8.GetBytes(json), errors);

        Assert.NotNull(document);
        Assert.Empty(errors);
    }

    [Theory]
    [InlineData("""{"itemId":"a","itemId":"b"}""", "itemId")]
    [InlineData("""{"events":[{"itemId":"a"},{"type":"ItemAdded","type":"ItemRemoved"}]}""", "events[1].type")]
    [InlineData("""{"a":{"b":[1,{"c":1,"c":2}]}}""", "a.b[1].c")]
    public void A_property_named_twice_is_refused_by_its_path(string json, string path)
    {
        var errors = new Dictionary<string, string[]>();

        var document = StrictJson.Parse(Encoding.UTF8.GetBytes(json), errors);

        Assert.Null(document);
        Assert.Equal([path], errors.Keys);
    }

    [Fact]
    public void Invalid_UTF8_is_refused_with_its_byte_offset()
    {
        byte[] body = [.. Encoding.UTF8.GetBytes("""{"itemId":"a"""), 0xC3, 0x28, .. Encoding.UTF8.GetBytes("\"}")];
        var errors = new Dictionary<string, string[]>();

        var document = StrictJson.Parse(body, errors);

        Assert.Null(document);
        Assert.Contains("byte offset 12", Assert.Single(errors["body"]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"itemId":"a"} x""", 15)]
    [InlineData("""{"itemId":"a"}{}""", 14)]
    [InlineData("{\n\"itemId\":\"a\",}", 15)] // trailing comma, on the second line
    [InlineData("""{"itemId":"a" /* note */}""", 14)]
    public void Anything_but_one_JSON_value_is_refused_with_its_byte_offset(string json, int offset)
    {
        var errors = new Dictionary<string, string[]>();

        var document = StrictJson.Parse(Encoding.UTF8.GetBytes(json), errors);

        Assert.Null(document);
        Assert.Contains($"byte offset {offset}:", Assert.Single(errors["body"]), StringComparison.Ordinal);
    }

    [Fact]
    public void First_invalid_UTF8_finds_overlong_encodings_and_lone_surrogates()
    {
        Assert.Null(StrictJson.FirstInvalidUtf8("aé剣😀"u8));
        Assert.Equal(1, StrictJson.FirstInvalidUtf8([0x61, 0xC0, 0xAF])); // overlong '/'
        Assert.Equal(2, StrictJson.FirstInvalidUtf8([0x61, 0x62, 0xED, 0xA0, 0x80])); // UTF-16 surrogate D800
        Assert.Equal(0, StrictJson.FirstInvalidUtf8([0xE5, 0x89])); // truncated
    }
}
