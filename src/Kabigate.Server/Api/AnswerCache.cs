using Microsoft.Extensions.Caching.Memory;

namespace Kabigate.Server.Api;

/// <summary>A rendered answer: its bytes, their content type, and whether the gate passed.</summary>
internal sealed record CachedAnswer(byte[] Body, string ContentType, bool Passed);

/// <summary>
/// Answers (rendered, or the results pages are cut from) kept by a key that names everything they were computed from
/// (<see cref="App.Service.StoredAnswers.Key"/>), so a fleet asking the same question again is answered without
/// judging again; bounded by their bytes, least recently used first out.
/// </summary>
internal sealed class AnswerCache : IDisposable
{
    /// <summary>Enough for a few hundred gate answers of 100 kmods (a few MB each as JSON).</summary>
    public const long DefaultMaxBytes = 512L << 20;

    private readonly MemoryCache _answers = new(new MemoryCacheOptions { SizeLimit = DefaultMaxBytes, CompactionPercentage = 0.25 });

    /// <summary>The answer kept under the key, else the one <paramref name="compute"/> makes, kept weighing <paramref name="bytes"/>.</summary>
    public T GetOrAdd<T>(string key, Func<T> compute, Func<T, long> bytes)
        where T : class
    {
        if (_answers.TryGetValue(key, out var held) && held is T answer)
            return answer;
        answer = compute();
        using var entry = _answers.CreateEntry(key);
        entry.Value = answer;
        entry.Size = Math.Max(1, bytes(answer));
        return answer;
    }

    public void Dispose() => _answers.Dispose();
}
