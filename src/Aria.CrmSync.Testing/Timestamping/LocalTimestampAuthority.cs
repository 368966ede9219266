using System.Formats.Asn1;
using System.Net;
using System.Net.Http.Headers;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;

namespace Aria.CrmSync.Testing;

/// <summary>
/// An in-process RFC 3161 time-stamp authority for tests: an <see cref="HttpMessageHandler"/> that answers a
/// <c>TimeStampReq</c> (HTTP POST, <c>application/timestamp-query</c>, RFC 3161 §3.4) with a real signed
/// <c>TimeStampResp</c> (<c>application/timestamp-reply</c>). The token is a CMS SignedData over a DER <c>TSTInfo</c>
/// (RFC 3161 §2.4.2), signed by a self-signed RSA certificate whose only extended key usage is id-kp-timeStamping
/// (critical, RFC 3161 §2.3), with an ESS signing-certificate-v2 attribute (RFC 5816). Misbehaviour switches let a test
/// prove that a client detects a wrong hash, a wrong nonce or a rejection.
/// </summary>
/// <remarks>.NET has no TSA-side API: the <c>TSTInfo</c> is written with <see cref="AsnWriter"/> and signed with <see cref="SignedCms"/>.</remarks>
public sealed class LocalTimestampAuthority : IDisposable
{
    /// <summary>The policy OID the local TSA stamps under (an example arc; not a real policy).</summary>
    public const string PolicyOid = "1.3.6.1.4.1.55555.3161.1";

    private const string TstInfoOid = "1.2.840.113549.1.9.16.1.4";
    private const string SigningCertificateV2Oid = "1.2.840.113549.1.9.16.2.47";
    private const string TimeStampingEkuOid = "1.3.6.1.5.5.7.3.8";
    private const string Sha256Oid = "2.16.840.1.101.3.4.2.1";

    private readonly X509Certificate2 _signingCertificate;
    private readonly TimeProvider _time;
    private long _serial;
    private int _requests;

    /// <summary>Initializes a new local TSA with a fresh self-signed time-stamping certificate, valid for a day either side of now.</summary>
    /// <param name="timeProvider">The clock of <c>genTime</c> (the system clock when <see langword="null"/>).</param>
    public LocalTimestampAuthority(TimeProvider? timeProvider = null)
    {
        _time = timeProvider ?? TimeProvider.System;
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=Aria local time-stamp authority", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(TimeStampingEkuOid)], critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation, critical: true));
        var now = _time.GetUtcNow();
        _signingCertificate = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));
        Certificate = X509CertificateLoader.LoadCertificate(_signingCertificate.Export(X509ContentType.Cert));
    }

    /// <summary>Gets the TSA's certificate (public key only): what a client trusts.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Gets the address the handler answers (any path).</summary>
    public Uri BaseAddress { get; } = new("https://tsa.emulator.local/tsr");

    /// <summary>Gets how many time-stamp requests were answered (granted or not).</summary>
    public int RequestCount => Volatile.Read(ref _requests);

    /// <summary>Gets or sets whether tokens stamp a different hash from the one requested (a broken or hostile TSA).</summary>
    public bool StampWrongHash { get; set; }

    /// <summary>Gets or sets whether tokens carry a different nonce from the one requested (a replayed response).</summary>
    public bool ReturnWrongNonce { get; set; }

    /// <summary>Gets or sets whether every request is answered with status <c>rejection</c> (2).</summary>
    public bool RejectAll { get; set; }

    /// <summary>Creates an <see cref="HttpMessageHandler"/> that answers time-stamp requests in process.</summary>
    /// <returns>The handler.</returns>
    public HttpMessageHandler CreateHandler() => new Handler(this);

    /// <summary>Builds the DER <c>TimeStampResp</c> answering a DER <c>TimeStampReq</c>.</summary>
    /// <param name="timeStampRequest">The request.</param>
    /// <returns>The response.</returns>
    public byte[] Respond(ReadOnlyMemory<byte> timeStampRequest)
    {
        Interlocked.Increment(ref _requests);
        if (RejectAll)
        {
            return Status(2, failInfoBit: 25); // rejection, failInfo systemFailure (RFC 3161 §2.4.2 PKIFailureInfo)
        }

        if (!Rfc3161TimestampRequest.TryDecode(timeStampRequest, out var request, out var consumed) || consumed != timeStampRequest.Length)
        {
            return Status(2, failInfoBit: 5); // badDataFormat (bit 5)
        }

        if (request.HashAlgorithmId.Value != Sha256Oid && request.HashAlgorithmId.Value != "2.16.840.1.101.3.4.2.2" && request.HashAlgorithmId.Value != "2.16.840.1.101.3.4.2.3")
        {
            return Status(2, failInfoBit: 0); // badAlg
        }

        var hash = request.GetMessageHash().ToArray();
        if (StampWrongHash)
        {
            hash[0] ^= 0xFF;
        }

        var tstInfo = new AsnWriter(AsnEncodingRules.DER);
        using (tstInfo.PushSequence())
        {
            tstInfo.WriteInteger(1); // version v1
            tstInfo.WriteObjectIdentifier(request.RequestedPolicyId?.Value ?? PolicyOid);
            using (tstInfo.PushSequence()) // messageImprint
            {
                using (tstInfo.PushSequence())
                {
                    tstInfo.WriteObjectIdentifier(request.HashAlgorithmId.Value!);
                }

                tstInfo.WriteOctetString(hash);
            }

            tstInfo.WriteInteger(new BigInteger(Interlocked.Increment(ref _serial)));
            var now = _time.GetUtcNow();
            tstInfo.WriteGeneralizedTime(now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMillisecond)));
            if (request.GetNonce() is { } nonce)
            {
                var value = new BigInteger(nonce.Span, isUnsigned: false, isBigEndian: true);
                tstInfo.WriteInteger(ReturnWrongNonce ? value + 1 : value);
            }
        }

        var signed = new SignedCms(new ContentInfo(new Oid(TstInfoOid), tstInfo.Encode()), detached: false);
        var signer = new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, _signingCertificate)
        {
            DigestAlgorithm = new Oid(Sha256Oid),
            IncludeOption = request.RequestSignerCertificate ? X509IncludeOption.EndCertOnly : X509IncludeOption.None,
        };
        signer.SignedAttributes.Add(new AsnEncodedData(SigningCertificateV2Oid, SigningCertificateV2()));
        signed.ComputeSignature(signer, silent: true);

        var response = new AsnWriter(AsnEncodingRules.DER);
        using (response.PushSequence())
        {
            using (response.PushSequence())
            {
                response.WriteInteger(0); // granted
            }

            response.WriteEncodedValue(signed.Encode());
        }

        return response.Encode();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _signingCertificate.Dispose();
        Certificate.Dispose();
    }

    private static byte[] Status(int status, int failInfoBit)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                writer.WriteInteger(status);
                var bits = new byte[4];
                bits[failInfoBit / 8] |= (byte)(0x80 >> (failInfoBit % 8));
                var length = failInfoBit / 8 + 1;
                writer.WriteBitString(bits.AsSpan(0, length), unusedBitCount: 7 - failInfoBit % 8);
            }
        }

        return writer.Encode();
    }

    // SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 } ; ESSCertIDv2 ::= SEQUENCE { certHash OCTET STRING } (hashAlgorithm DEFAULT sha256, RFC 5035 §3).
    private byte[] SigningCertificateV2()
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                using (writer.PushSequence())
                {
                    writer.WriteOctetString(_signingCertificate.GetCertHash(HashAlgorithmName.SHA256));
                }
            }
        }

        return writer.Encode();
    }

    private sealed class Handler(LocalTimestampAuthority authority) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method != HttpMethod.Post)
            {
                return new HttpResponseMessage(HttpStatusCode.MethodNotAllowed);
            }

            if (request.Content?.Headers.ContentType?.MediaType != "application/timestamp-query")
            {
                return new HttpResponseMessage(HttpStatusCode.UnsupportedMediaType);
            }

            var body = await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            var content = new ByteArrayContent(authority.Respond(body));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/timestamp-reply");
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = content, RequestMessage = request };
        }
    }
}
