using Azure;
using InventoryFunctions.Functions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace InventoryFunctions.Tests.Http;

/// <summary>A queue that does not answer is a 503 with Retry-After for the client, never a 500: refused, or not reachable at all.</summary>
public class StorageUnavailableTests
{
    public static TheoryData<Exception> StorageFailures() =>
    [
        new RequestFailedException(503, "Server busy"),
        // What the Storage SDK throws once its retries give up on a connection that never opens.
        new AggregateException(new RequestFailedException("Connection refused", new HttpRequestException("Connection refused")),
            new HttpRequestException("Connection refused")),
    ];

    [Theory]
    [MemberData(nameof(StorageFailures))]
    public async Task A_queue_that_does_not_answer_is_a_503_problem_with_Retry_After(Exception failure)
    {
        var (_, problem) = await StorageUnavailable.GuardAsync<int>(NullLogger.Instance, () => throw failure, "The rebuild queue");

        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider() };
        context.Response.Body = new MemoryStream();
        await problem!.ExecuteAsync(context);
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, context.Response.StatusCode);
        Assert.Equal("5", context.Response.Headers.RetryAfter.ToString());
        Assert.StartsWith("application/problem+json", context.Response.ContentType, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Anything_else_is_not_taken_for_Storage()
    {
        await Assert.ThrowsAsync<AggregateException>(() => StorageUnavailable.GuardAsync<int>(NullLogger.Instance,
            () => throw new AggregateException(new InvalidOperationException("a bug")), "The rebuild queue"));
    }
}
