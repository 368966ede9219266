using System.Buffers.Binary;
using System.Numerics;
using Aria.CrmSync.IntegrationTests.Salesforce.Emulator;
using Aria.CrmSync.PubSub.Protocol;
using Aria.CrmSync.Testing;
using Avro;
using Avro.Generic;
using Avro.IO;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using PubSubGrpc = Aria.CrmSync.PubSub.Protocol.PubSub;

namespace Aria.CrmSync.IntegrationTests.Salesforce.PubSub;

/// <summary>A raw Pub/Sub API client (generated from the project's .proto) over TLS to an emulator's Pub/Sub server.</summary>
internal sealed class PubSubTestClient : IAsyncDisposable
{
    private readonly GrpcChannel _channel;

    private PubSubTestClient(SfTestHost host, PubSubEmulatorServer server, GrpcChannel channel)
    {
        Host = host;
        Server = server;
        _channel = channel;
        Client = new PubSubGrpc.PubSubClient(channel);
    }

    public SfTestHost Host { get; }

    public PubSubEmulatorServer Server { get; }

    public PubSubGrpc.PubSubClient Client { get; }

    /// <summary>Gets or sets the access token sent as <c>accesstoken</c>; the host's by default.</summary>
    public string? AccessToken { get; set; }

    public static async Task<PubSubTestClient> StartAsync(Action<SalesforceEmulatorOptions>? configure = null)
    {
        var host = await SfTestHost.StartAsync(configure);
        var server = await host.Emulator.StartPubSubServerAsync();
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == server.Certificate.GetCertHashString();
        var channel = GrpcChannel.ForAddress(server.Address, new GrpcChannelOptions { HttpHandler = handler });
        return new PubSubTestClient(host, server, channel);
    }

    public Metadata Auth(string? accessToken = null) => new()
    {
        { "accesstoken", accessToken ?? AccessToken ?? Host.Tokens.AccessToken },
        { "instanceurl", Host.Tokens.InstanceUrl.ToString() },
        { "tenantid", Host.Org.OrganizationId },
    };

    public static ByteString Replay(long replayId)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, replayId);
        return ByteString.CopyFrom(bytes);
    }

    public static long Replay(ByteString replayId) => BinaryPrimitives.ReadInt64BigEndian(replayId.Span);

    /// <summary>Reads responses until <paramref name="count"/> events arrived (or the timeout).</summary>
    public static async Task<List<ConsumerEvent>> ReadEventsAsync(IAsyncStreamReader<FetchResponse> responses, int count, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var events = new List<ConsumerEvent>();
        while (events.Count < count && await responses.MoveNext(cts.Token))
        {
            events.AddRange(responses.Current.Events);
        }

        return events;
    }

    /// <summary>Decodes a payload with the writer schema fetched by id.</summary>
    public async Task<(GenericRecord Record, RecordSchema Schema)> DecodeAsync(ConsumerEvent e)
    {
        var info = await Client.GetSchemaAsync(new SchemaRequest { SchemaId = e.Event.SchemaId }, Auth());
        var schema = (RecordSchema)Schema.Parse(info.SchemaJson);
        var reader = new GenericDatumReader<GenericRecord>(schema, schema);
        using var stream = new MemoryStream(e.Event.Payload.ToByteArray());
        return (reader.Read(null!, new BinaryDecoder(stream)), schema);
    }

    /// <summary>The names of the top-level fields a bitmap field names (first element; bit n = field at position n).</summary>
    public static List<string> FieldNames(RecordSchema schema, object? bitmap)
    {
        var names = new List<string>();
        if (bitmap is not object[] { Length: > 0 } items || items[0] is not string first || !first.StartsWith("0x", StringComparison.Ordinal))
        {
            return names;
        }

        var bits = BigInteger.Parse("0" + first[2..], System.Globalization.NumberStyles.HexNumber);
        for (var i = 0; i < schema.Fields.Count; i++)
        {
            if (!(bits & (BigInteger.One << i)).IsZero)
            {
                names.Add(schema.Fields[i].Name);
            }
        }

        return names;
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        await Server.DisposeAsync();
        await Host.DisposeAsync();
    }
}
