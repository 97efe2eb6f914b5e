using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Workbook.Engine.Execution;

namespace Workbook.Engine.Protocol;

/// <summary>
/// The wire format between runner and worker: one <see cref="WorkerRequest"/> line on the worker's stdin, then
/// <see cref="WorkerEvent"/> lines on its stdout, each after <see cref="Marker"/> so that text native code prints
/// there is told apart. Both ends serialise the same records through <see cref="WorkerProtocolContext"/> (source
/// generated), so a field renamed on one end is renamed on both, and a line that does not read fails with a
/// <see cref="WorkerProtocolException"/> naming what is wrong.
/// </summary>
public static class WorkerProtocol
{
    /// <summary>Prefix of every event line (ASCII record separator, "WB ").</summary>
    public const string Marker = "\u001eWB ";

    // The context's options plus an encoder that leaves non-ASCII text as it is (smaller lines; control characters,
    // the marker's included, are still escaped, so an event is always one line).
    private static readonly JsonSerializerOptions Options = new(WorkerProtocolContext.Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonTypeInfo<WorkerRequest> RequestInfo = (JsonTypeInfo<WorkerRequest>)Options.GetTypeInfo(typeof(WorkerRequest));
    private static readonly JsonTypeInfo<WorkerEvent> EventInfo = (JsonTypeInfo<WorkerEvent>)Options.GetTypeInfo(typeof(WorkerEvent));
    private static readonly JsonTypeInfo<NugetReport> NugetInfo = (JsonTypeInfo<NugetReport>)Options.GetTypeInfo(typeof(NugetReport));

    /// <summary>The event names on the wire ("cell_start", …), from the [JsonDerivedType] list of <see cref="WorkerEvent"/>.</summary>
    public static IReadOnlyList<string> EventNames { get; } = DiscriminatorsOf(EventInfo);

    /// <summary>The request as one JSON line (no line break).</summary>
    public static string WriteRequest(WorkerRequest request) => JsonSerializer.Serialize(request, RequestInfo);

    /// <summary>Reads the request line; throws <see cref="WorkerProtocolException"/> naming what is wrong.</summary>
    public static WorkerRequest ReadRequest(string line) => Read(line, RequestInfo, "request", null);

    /// <summary>The event as one JSON line (no marker, no line break).</summary>
    public static string WriteEvent(WorkerEvent message) => JsonSerializer.Serialize(message, EventInfo);

    /// <summary>Reads one event (the text after the marker); throws <see cref="WorkerProtocolException"/> naming what is wrong.</summary>
    public static WorkerEvent ReadEvent(string json) => Read(json, EventInfo, "event", ("event", EventNames));

    /// <summary>A cell's NuGet report as the executed notebook's cell metadata holds it.</summary>
    public static System.Text.Json.Nodes.JsonNode? ToJson(NugetReport report) => JsonSerializer.SerializeToNode(report, NugetInfo);

    private static T Read<T>(string json, JsonTypeInfo<T> info, string what, (string Property, IReadOnlyList<string> Known)? discriminator)
    {
        try
        {
            return JsonSerializer.Deserialize(json, info) ?? throw new WorkerProtocolException($"the worker protocol's {what} line is null: {Excerpt(json)}");
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or ArgumentException)
        {
            throw new WorkerProtocolException($"the worker protocol's {what} line does not read: {Diagnose(json, discriminator, e)}; line: {Excerpt(json)}", e);
        }
    }

    // What is wrong with a line that did not deserialise, in the reader's words: not JSON, no or an unknown event
    // type, or the serialiser's own message (a missing or unexpected field, a wrong type) for a known one.
    private static string Diagnose(string json, (string Property, IReadOnlyList<string> Known)? discriminator, Exception error)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            return $"not JSON ({e.Message})";
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return $"a JSON {document.RootElement.ValueKind.ToString().ToLowerInvariant()}, not an object";
            }
            if (discriminator is var (property, known))
            {
                if (!document.RootElement.TryGetProperty(property, out var type) || type.ValueKind != JsonValueKind.String)
                {
                    return $"no \"{property}\" naming its type (one of {string.Join(", ", known)})";
                }
                if (!known.Contains(type.GetString()!))
                {
                    return $"unknown {property} type \"{type.GetString()}\" (known: {string.Join(", ", known)})";
                }
                return $"a malformed \"{type.GetString()}\" {property}: {error.Message}";
            }
        }
        return error.Message;
    }

    private static string Excerpt(string json) => json.Length <= 300 ? json : json[..300] + "…";

    private static IReadOnlyList<string> DiscriminatorsOf(JsonTypeInfo info) =>
        info.PolymorphismOptions!.DerivedTypes.Select(d => (string)d.TypeDiscriminator!).ToArray();
}

/// <summary>A protocol line that does not read (not JSON, an unknown event type, a missing field); the message says which.</summary>
public sealed class WorkerProtocolException : Exception
{
    /// <summary>Creates the exception.</summary>
    public WorkerProtocolException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}

/// <summary>
/// Source-generated serialisation of the protocol's records: snake_case names ("nuget_cache"), NaN and infinities as
/// named literals, nulls written, and strict reading (every constructor parameter required unless it has a default, nullability
/// respected, unknown fields rejected), so that a line the other end did not mean fails where it is read.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    AllowOutOfOrderMetadataProperties = true)]
[JsonSerializable(typeof(WorkerRequest))]
[JsonSerializable(typeof(WorkerEvent))]
[JsonSerializable(typeof(NugetReport))]
public sealed partial class WorkerProtocolContext : JsonSerializerContext
{
}
