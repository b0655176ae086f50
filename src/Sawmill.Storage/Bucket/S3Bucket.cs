using System.Net;
using System.Runtime.CompilerServices;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Sawmill.Storage.Bucket;

/// <summary>
/// A bucket on an S3-compatible service through the AWS SDK for .NET. A PUT is atomic (readers see the old object, none,
/// or the new one whole); after each upload the stored size is checked against what was sent, so a server that stores
/// an <c>aws-chunked</c> body verbatim (see <see cref="S3Options.UseChunkEncoding"/>) is an error, not silent
/// corruption. Ranged GETs serve partial reads. Thread-safe.
/// </summary>
public sealed class S3Bucket : IBucket
{
    private readonly AmazonS3Client _client;
    private readonly S3Options _options;

    public S3Bucket(S3Options options)
    {
        _options = options;
        var config = new AmazonS3Config { ForcePathStyle = options.ForcePathStyle };
        if (options.Endpoint.Length > 0)
        {
            var endpoint = options.Endpoint.Contains("://", StringComparison.Ordinal)
                ? options.Endpoint
                : (options.Insecure ? "http://" : "https://") + options.Endpoint;
            config.ServiceURL = endpoint;
            config.AuthenticationRegion = options.Region.Length > 0 ? options.Region : "us-east-1";
        }
        else if (options.Region.Length > 0)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
        }
        if (options.Insecure)
            config.UseHttp = true;
        AWSCredentials? credentials = null;
        if (options.AccessKeyId.Length > 0 || options.SecretAccessKey.Length > 0)
            credentials = options.SessionToken.Length > 0
                ? new SessionAWSCredentials(options.AccessKeyId, options.SecretAccessKey, options.SessionToken)
                : new BasicAWSCredentials(options.AccessKeyId, options.SecretAccessKey);
        _client = credentials != null ? new AmazonS3Client(credentials, config) : new AmazonS3Client(config);
        Description = $"s3://{options.BucketName}" + (options.Endpoint.Length > 0 ? " at " + options.Endpoint : "");
    }

    public string Description { get; }

    public async Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream(data.ToArray(), writable: false);
        await PutStreamAsync(key, body, data.Length, cancellationToken).ConfigureAwait(false);
    }

    public async Task PutFileAsync(string key, string path, CancellationToken cancellationToken)
    {
        await using var body = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await PutStreamAsync(key, body, body.Length, cancellationToken).ConfigureAwait(false);
    }

    private async Task PutStreamAsync(string key, Stream body, long length, CancellationToken cancellationToken)
    {
        try
        {
            await _client.PutObjectAsync(new PutObjectRequest
            {
                BucketName = _options.BucketName,
                Key = key,
                InputStream = body,
                AutoCloseStream = false,
                UseChunkEncoding = _options.UseChunkEncoding,
            }, cancellationToken).ConfigureAwait(false);
            var head = await _client.GetObjectMetadataAsync(_options.BucketName, key, cancellationToken).ConfigureAwait(false);
            if (head.ContentLength != length)
                throw new BucketException(
                    $"{Description}: {key} was stored with {head.ContentLength} bytes, {length} were sent; the server kept the upload's framing" +
                    (_options.UseChunkEncoding ? " (it does not decode aws-chunked bodies: set use_chunk_encoding: false in the s3 storage config)" : ""));
        }
        catch (AmazonServiceException e)
        {
            throw new BucketException($"{Description}: cannot write {key}: {Describe(e)}", e);
        }
        catch (HttpRequestException e)
        {
            throw new BucketException($"{Description}: cannot write {key}: {e.Message}", e);
        }
    }

    public async Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _client.GetObjectAsync(_options.BucketName, key, cancellationToken).ConfigureAwait(false);
            var buffer = new byte[response.ContentLength];
            await response.ResponseStream.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
            return buffer;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (AmazonServiceException e)
        {
            throw new BucketException($"{Description}: cannot read {key}: {Describe(e)}", e);
        }
        catch (Exception e) when (e is HttpRequestException or EndOfStreamException or IOException)
        {
            throw new BucketException($"{Description}: cannot read {key}: {e.Message}", e);
        }
    }

    public async Task<bool> GetRangeAsync(string key, long offset, Memory<byte> into, CancellationToken cancellationToken)
    {
        if (into.Length == 0)
            return true;
        try
        {
            using var response = await _client.GetObjectAsync(new GetObjectRequest
            {
                BucketName = _options.BucketName,
                Key = key,
                ByteRange = new ByteRange(offset, offset + into.Length - 1),
            }, cancellationToken).ConfigureAwait(false);
            if (response.ContentLength != into.Length)
                throw new BucketException($"{Description}: {key} returned {response.ContentLength} bytes for a {into.Length}-byte range at {offset}");
            await response.ResponseStream.ReadExactlyAsync(into, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
        catch (AmazonServiceException e)
        {
            throw new BucketException($"{Description}: cannot read {key} at {offset}: {Describe(e)}", e);
        }
        catch (Exception e) when (e is HttpRequestException or EndOfStreamException or IOException)
        {
            throw new BucketException($"{Description}: cannot read {key} at {offset}: {e.Message}", e);
        }
    }

    public async IAsyncEnumerable<BucketObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? token = null;
        do
        {
            ListObjectsV2Response page;
            try
            {
                page = await _client.ListObjectsV2Async(new ListObjectsV2Request
                {
                    BucketName = _options.BucketName,
                    Prefix = prefix,
                    ContinuationToken = token,
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonServiceException e)
            {
                throw new BucketException($"{Description}: cannot list {prefix}: {Describe(e)}", e);
            }
            catch (HttpRequestException e)
            {
                throw new BucketException($"{Description}: cannot list {prefix}: {e.Message}", e);
            }
            foreach (var o in page.S3Objects ?? [])
                yield return new BucketObject(o.Key, o.Size ?? 0, o.LastModified ?? DateTime.UnixEpoch);
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token != null);
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            await _client.DeleteObjectAsync(_options.BucketName, key, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
        }
        catch (AmazonServiceException e)
        {
            throw new BucketException($"{Description}: cannot delete {key}: {Describe(e)}", e);
        }
        catch (HttpRequestException e)
        {
            throw new BucketException($"{Description}: cannot delete {key}: {e.Message}", e);
        }
    }

    private static string Describe(AmazonServiceException e) =>
        $"{(int)e.StatusCode} {e.ErrorCode}: {e.Message}";

    public void Dispose() => _client.Dispose();
}
