using System.Text.Json;
using System.Text.RegularExpressions;
using CommerceServices.Protocol;
using Microsoft.AspNetCore.Diagnostics;

namespace CommerceServices.Platform.Hosting;

/// <summary>
/// A body that is not JSON, or JSON of the wrong shape, is the caller's mistake: 400 <c>invalid_request</c> with a
/// sentence naming the field in error and the type it needs (<c>'amount' must be a whole number</c>), never the name of
/// a type inside the platform.
/// </summary>
internal sealed partial class BadRequestExceptionHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest)
        {
            return false;
        }

        var code = badRequest.StatusCode switch
        {
            StatusCodes.Status413PayloadTooLarge => "request_too_large",
            StatusCodes.Status415UnsupportedMediaType => "unsupported_media_type",
            _ => ProblemCodes.InvalidRequest,
        };
        // The body's type, to say what a field must be: System.Text.Json names the type that failed, which for a
        // property of a record is often the record itself ("…PaymentsApi+CreatePaymentRequest").
        // The exception handler middleware clears the endpoint; its feature keeps the one that failed.
        var endpoint = httpContext.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? httpContext.GetEndpoint();
        var bodyType = endpoint?.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>()?.RequestType;
        await Problems.WriteAsync(httpContext, code, Describe(badRequest, bodyType), badRequest.StatusCode);
        return true;
    }

    internal static string Describe(BadHttpRequestException badRequest, Type? bodyType)
    {
        if (badRequest.InnerException is JsonException json)
        {
            return Describe(json, bodyType);
        }

        var message = badRequest.Message;
        if (RequiredParameter().Match(message) is { Success: true } required)
        {
            return required.Groups["source"].Value == "body"
                ? "The request needs a JSON object body (content-type: application/json)."
                : $"'{required.Groups["name"].Value}' is required.";
        }

        if (UnboundParameter().Match(message) is { Success: true } unbound)
        {
            return $"'{unbound.Groups["name"].Value}' must be {Expected(unbound.Groups["type"].Value)}; got '{unbound.Groups["value"].Value}'.";
        }

        return message.Contains("content-type", StringComparison.OrdinalIgnoreCase) || badRequest.StatusCode == StatusCodes.Status415UnsupportedMediaType
            ? "Send the body as JSON with 'content-type: application/json'."
            : badRequest.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? "The request body is larger than the platform accepts (1 MiB)."
                : "The request is not valid for this call.";
    }

    private static string Describe(JsonException json, Type? bodyType)
    {
        var field = FieldOf(json.Path);
        if (MissingProperties().Match(json.Message) is { Success: true } missing)
        {
            return $"The request body lacks {missing.Groups["names"].Value.TrimEnd('.')}.";
        }

        if (ConvertedTo().Match(json.Message) is { Success: true } converted)
        {
            var expected = TypeAt(bodyType, field) is { } target ? Expected(target) : Expected(converted.Groups["type"].Value);
            return field is null
                ? $"The request body must be {expected}."
                : $"'{field}' must be {expected}.";
        }

        var where = json.LineNumber is { } line ? $" (line {line + 1}, position {(json.BytePositionInLine ?? 0) + 1})" : "";
        return field is null
            ? $"The request body is not valid JSON{where}."
            : $"The request body is not valid JSON at '{field}'{where}.";
    }

    /// <summary><c>$.amount</c> → <c>amount</c>, <c>$.items[0].price</c> → <c>items[0].price</c>; null for the body itself.</summary>
    private static string? FieldOf(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? null : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');

    /// <summary>The type of the member at <paramref name="field"/> (<c>items[0].price</c>) of <paramref name="bodyType"/>.</summary>
    private static Type? TypeAt(Type? bodyType, string? field)
    {
        var type = bodyType;
        foreach (var segment in (field ?? "").Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            if (type is null)
            {
                return null;
            }

            var name = segment.Split('[')[0].Trim('\'', '[', ']');
            var property = type.GetProperty(name, System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.IgnoreCase);
            type = property?.PropertyType;
            if (type is not null && segment.Contains('[', StringComparison.Ordinal))
            {
                type = type.IsArray ? type.GetElementType() : type.IsGenericType ? type.GetGenericArguments()[0] : null;
            }
        }

        return type == bodyType ? null : type;
    }

    private static string Expected(Type type)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        if (target.IsEnum)
        {
            return "one of " + string.Join(", ", Enum.GetNames(target).Select(n => $"'{JsonNamingPolicy.CamelCase.ConvertName(n)}'"));
        }

        return target != typeof(string) && typeof(System.Collections.IEnumerable).IsAssignableFrom(target) ? "an array" : Expected(target.FullName ?? target.Name);
    }

    /// <summary>What a .NET type means to someone writing JSON.</summary>
    private static string Expected(string typeName)
    {
        var name = typeName.Trim();
        if (NullableOf().Match(name) is { Success: true } nullable)
        {
            name = nullable.Groups["inner"].Value;
        }

        name = name.TrimEnd('?');
        var simple = name[(name.LastIndexOfAny(['.', '+']) + 1)..];
        return simple switch
        {
            "Int16" or "Int32" or "Int64" or "UInt16" or "UInt32" or "UInt64" or "Byte" or "short" or "int" or "long" => "a whole number",
            "Decimal" or "Double" or "Single" or "decimal" or "double" or "float" => "a number",
            "String" or "string" or "Char" => "a string",
            "Boolean" or "bool" => "true or false",
            "DateTimeOffset" or "DateTime" => "a date and time (ISO 8601, e.g. 2026-01-31T12:00:00Z)",
            "TimeSpan" => "a duration (hh:mm:ss)",
            "Guid" => "a GUID",
            _ when name.Contains("List`", StringComparison.Ordinal) || name.EndsWith("[]", StringComparison.Ordinal)
                || name.Contains("IReadOnlyList", StringComparison.Ordinal) || name.Contains("IEnumerable", StringComparison.Ordinal) => "an array",
            _ => "a JSON object",
        };
    }

    [GeneratedRegex(@"could not be converted to (?<type>[^\s]+?)\.?(\s|$)")]
    private static partial Regex ConvertedTo();

    [GeneratedRegex(@"missing required properties,? including:? (?<names>.+)$")]
    private static partial Regex MissingProperties();

    [GeneratedRegex(@"^System\.Nullable`1\[\[?(?<inner>[^,\]]+)")]
    private static partial Regex NullableOf();

    [GeneratedRegex(@"^Required parameter ""(?<type>\S+) (?<name>\w+)"" was not provided from (?<source>\w+)")]
    private static partial Regex RequiredParameter();

    [GeneratedRegex(@"^Failed to bind parameter ""(?<type>\S+) (?<name>\w+)"" from ""(?<value>.*)""")]
    private static partial Regex UnboundParameter();
}
