using Kabigate.App;
using Kabigate.App.Json;
using Kabigate.Formats;
using Kabigate.Store;
using Microsoft.AspNetCore.Diagnostics;

namespace Kabigate.Server.Api;

/// <summary>How the API answers: documents as kabigate's JSON (schema 2, the CLI's own), errors as one JSON object with a one-line message.</summary>
internal static class ApiResults
{
    /// <summary>A document, compact: programs read the API (the CLI indents for people).</summary>
    public static IResult Json<T>(T document) => Results.Bytes(KabigateJson.ToUtf8Bytes(document, indented: false), "application/json; charset=utf-8");

    /// <summary>202 for a job enqueued: its id, to find it in the service's log.</summary>
    public static IResult Accepted(string job) => Results.Text($"{{\"job\":{System.Text.Json.JsonSerializer.Serialize(job, KabigateJsonStrings.Default.String)}}}\n", "application/json; charset=utf-8", statusCode: StatusCodes.Status202Accepted);

    public static IResult Error(int status, string message) => Results.Text(KabigateJson.ToString(new ErrorDocument(OneLine(message)), indented: false), "application/json; charset=utf-8", statusCode: status);

    public static Task WriteError(HttpResponse response, string message)
    {
        response.ContentType = "application/json; charset=utf-8";
        return response.WriteAsync(KabigateJson.ToString(new ErrorDocument(OneLine(message)), indented: false));
    }

    /// <summary>Runs an operation; what kabigate reports as bad input is a 4xx with its one line, never a stack trace.</summary>
    public static IResult Try(Func<IResult> action, int status = StatusCodes.Status400BadRequest)
    {
        try
        {
            return action();
        }
        catch (OperationException e)
        {
            return Error(status, string.Join("; ", e.Messages));
        }
        catch (Exception e) when (e is StoreException or ModuleFormatException or IOException)
        {
            return Error(status, e.Message);
        }
    }

    /// <summary>The last resort: a 500 with one line; the exception goes to the log, not to the client.</summary>
    public static async Task UnhandledError(HttpContext context)
    {
        var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        if (error is BadHttpRequestException bad)
        {
            context.Response.StatusCode = bad.StatusCode;
            await WriteError(context.Response, bad.Message);
            return;
        }
        context.Response.StatusCode = StatusCodes.Status500InternalServerError;
        await WriteError(context.Response, "internal error; see the service's log");
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");
}

/// <summary>A string, JSON-encoded without reflection.</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class KabigateJsonStrings : System.Text.Json.Serialization.JsonSerializerContext;
