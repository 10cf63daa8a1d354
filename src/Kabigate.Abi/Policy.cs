namespace Kabigate.Abi;

/// <summary>What a severity rule says about the changes it matches.</summary>
public enum Severity : byte
{
    /// <summary>The change is tolerated.</summary>
    Pass,

    /// <summary>The change fails the check.</summary>
    Fail,
}

/// <summary>What a severity rule's pattern is matched against.</summary>
public enum PatternKind : byte
{
    /// <summary>The exporting module's path (<c>drivers/nvme/host/nvme-core</c>) or <c>vmlinux</c>.</summary>
    Module,

    /// <summary>The symbol's namespace.</summary>
    Namespace,

    /// <summary>The symbol's name.</summary>
    Symbol,
}

/// <summary>One <c>PATTERN PASS|FAIL</c> line of a severities list, as SUSE's kabi tools read it.</summary>
/// <param name="Pattern">A shell glob (<c>*</c>, <c>?</c>, <c>[…]</c>).</param>
/// <param name="Kind">What the pattern is matched against.</param>
/// <param name="Severity">What a match means.</param>
/// <param name="Origin">Where the rule was written, <c>file:line</c>.</param>
public sealed record SeverityRule(string Pattern, PatternKind Kind, Severity Severity, string Origin)
{
    /// <summary>
    /// The kind SUSE's tools infer when a rule names none: a pattern with <c>/</c>, or exactly <c>vmlinux</c>, is a
    /// module; an ALL-CAPS one is a namespace; anything else is a symbol.
    /// </summary>
    public static PatternKind InferKind(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (pattern.Contains('/') || pattern == "vmlinux")
            return PatternKind.Module;
        return pattern.Any(char.IsAsciiLetterUpper) && !pattern.Any(char.IsAsciiLetterLower) ? PatternKind.Namespace : PatternKind.Symbol;
    }

    /// <summary>Whether the rule matches a symbol exported by <paramref name="module"/> in <paramref name="ns"/>.</summary>
    public bool Matches(string? symbol, string? module, string? ns) => Kind switch
    {
        PatternKind.Module => module is not null && Glob.Matches(Pattern, module),
        PatternKind.Namespace => ns is not null && Glob.Matches(Pattern, ns),
        _ => symbol is not null && Glob.Matches(Pattern, symbol),
    };

    /// <inheritdoc/>
    public override string ToString() => $"{Kind.ToString().ToUpperInvariant()} {Pattern} {Severity.ToString().ToUpperInvariant()}";
}

/// <summary>An allowed break: a symbol and/or kmod whose failures are accepted until a date, with who and why.</summary>
/// <param name="Symbol">A glob the broken symbol must match, or null for any.</param>
/// <param name="Kmod">A glob the kmod's name must match, or null for any.</param>
/// <param name="Owner">Who answers for the waiver.</param>
/// <param name="Reason">Why the break is accepted.</param>
/// <param name="Expires">The last day the waiver applies, or null for no end.</param>
/// <param name="Origin">Where the waiver was written, <c>file:line</c>.</param>
public sealed record Waiver(string? Symbol, string? Kmod, string Owner, string Reason, DateOnly? Expires, string Origin)
{
    /// <summary>Whether the waiver names this break (regardless of its expiry).</summary>
    public bool Covers(string? symbol, string? kmod) =>
        (Symbol is null || (symbol is not null && Glob.Matches(Symbol, symbol)))
        && (Kmod is null || (kmod is not null && (Glob.Matches(Kmod, kmod) || Glob.Matches(Kmod, ModuleNames.Normalize(kmod)))));

    /// <summary>Whether the waiver has expired on <paramref name="today"/>.</summary>
    public bool ExpiredOn(DateOnly today) => Expires is { } last && today > last;

    /// <summary>How the waiver is named in reports.</summary>
    public string Describe() =>
        $"waiver {(Symbol is null ? "" : $"symbol={Symbol} ")}{(Kmod is null ? "" : $"kmod={Kmod} ")}({Owner}: {Reason}{(Expires is { } e ? $"; until {e:yyyy-MM-dd}" : "")}) at {Origin}";
}

/// <summary>What the policy says about one break.</summary>
/// <param name="Severity">The severity: from the first matching rule, else the policy's default.</param>
/// <param name="Rule">The rule that decided, or null for the default.</param>
/// <param name="Waiver">The waiver that allows the break, or null.</param>
/// <param name="ExpiredWaiver">A waiver that would have allowed it but has expired, or null.</param>
public sealed record Judgement(Severity Severity, SeverityRule? Rule, Waiver? Waiver, Waiver? ExpiredWaiver)
{
    /// <summary>Whether the break fails the check: severity FAIL and no waiver in force.</summary>
    public bool Fails => Severity == Severity.Fail && Waiver is null;

    /// <summary>One line saying why, e.g. <c>PASS by SYMBOL fput PASS at policy.toml:4</c>.</summary>
    public string Explain()
    {
        var parts = new List<string>
        {
            Rule is null ? $"{Severity.ToString().ToUpperInvariant()} by default" : $"{Severity.ToString().ToUpperInvariant()} by rule '{Rule}' at {Rule.Origin}",
        };
        if (Waiver is not null)
            parts.Add($"allowed by {Waiver.Describe()}");
        if (ExpiredWaiver is not null)
            parts.Add($"{ExpiredWaiver.Describe()} expired and no longer applies");
        return string.Join("; ", parts);
    }
}

/// <summary>
/// Which breaks matter: severity rules (first match wins), the severity of breaks no rule matches (separately for
/// stablelisted and unlisted symbols), and waivers. An empty policy fails every break.
/// </summary>
public sealed class Policy
{
    /// <summary>Creates a policy.</summary>
    public Policy(IReadOnlyList<SeverityRule> rules, IReadOnlyList<Waiver> waivers, Severity unlistedDefault = Severity.Fail, Stablelist? stablelist = null, string origin = "(default policy)")
    {
        Rules = rules;
        Waivers = waivers;
        UnlistedDefault = unlistedDefault;
        Stablelist = stablelist;
        Origin = origin;
    }

    /// <summary>The policy with no rules and no waivers: every break fails.</summary>
    public static Policy Default { get; } = new([], []);

    /// <summary>The severity rules, in order.</summary>
    public IReadOnlyList<SeverityRule> Rules { get; }

    /// <summary>The waivers.</summary>
    public IReadOnlyList<Waiver> Waivers { get; }

    /// <summary>
    /// The severity of a break of a symbol that no rule matches and that is not on the stablelist (when there is one).
    /// Stablelisted symbols that no rule matches always fail.
    /// </summary>
    public Severity UnlistedDefault { get; }

    /// <summary>The stablelist the policy names, or null.</summary>
    public Stablelist? Stablelist { get; }

    /// <summary>Where the policy came from.</summary>
    public string Origin { get; }

    /// <summary>Starts judging breaks on <paramref name="today"/>; the evaluation remembers which rules and waivers were used.</summary>
    public PolicyEvaluation Evaluate(DateOnly today) => new(this, today);
}

/// <summary>Judges breaks under a policy and remembers which rules and waivers matched anything. Thread-safe.</summary>
public sealed class PolicyEvaluation
{
    private readonly int[] _ruleUses;
    private readonly int[] _waiverUses;

    internal PolicyEvaluation(Policy policy, DateOnly today)
    {
        Policy = policy;
        Today = today;
        _ruleUses = new int[policy.Rules.Count];
        _waiverUses = new int[policy.Waivers.Count];
    }

    /// <summary>The policy.</summary>
    public Policy Policy { get; }

    /// <summary>The date expiry is judged on.</summary>
    public DateOnly Today { get; }

    /// <summary>Judges the break of <paramref name="symbol"/> (exported by <paramref name="module"/> in <paramref name="ns"/>), for <paramref name="kmod"/> when one is affected.</summary>
    /// <param name="symbol">The symbol, or null for a break not about one symbol (vermagic).</param>
    /// <param name="module">Its exporting module, or null.</param>
    /// <param name="ns">Its namespace, or null.</param>
    /// <param name="stablelisted">Whether the symbol is on the stablelist in force.</param>
    /// <param name="kmod">The kmod that breaks, or null when judging a change by itself.</param>
    public Judgement Judge(string? symbol, string? module, string? ns, bool stablelisted, string? kmod)
    {
        SeverityRule? rule = null;
        for (int i = 0; i < Policy.Rules.Count; i++)
        {
            if (Policy.Rules[i].Matches(symbol, module, ns))
            {
                rule = Policy.Rules[i];
                Interlocked.Increment(ref _ruleUses[i]);
                break;
            }
        }
        var severity = rule?.Severity ?? (stablelisted || Policy.Stablelist is null ? Severity.Fail : Policy.UnlistedDefault);
        Waiver? waiver = null, expired = null;
        for (int i = 0; i < Policy.Waivers.Count; i++)
        {
            var candidate = Policy.Waivers[i];
            if (!candidate.Covers(symbol, kmod))
                continue;
            Interlocked.Increment(ref _waiverUses[i]);
            if (candidate.ExpiredOn(Today))
            {
                expired ??= candidate;
            }
            else
            {
                waiver = candidate;
                break;
            }
        }
        return new Judgement(severity, rule, waiver, waiver is null ? expired : null);
    }

    /// <summary>A warning for every rule and waiver that matched nothing so far, <c>file:line: WARNING: …</c>.</summary>
    public IReadOnlyList<string> UnusedWarnings()
    {
        var warnings = new List<string>();
        for (int i = 0; i < _ruleUses.Length; i++)
        {
            if (Volatile.Read(ref _ruleUses[i]) == 0)
                warnings.Add($"{Policy.Rules[i].Origin}: WARNING: Severity rule '{Policy.Rules[i]}' is unused");
        }
        for (int i = 0; i < _waiverUses.Length; i++)
        {
            if (Volatile.Read(ref _waiverUses[i]) == 0)
                warnings.Add($"{Policy.Waivers[i].Origin}: WARNING: {Policy.Waivers[i].Describe()} matched nothing");
        }
        return warnings;
    }
}

/// <summary>Shell globs as <c>fnmatch(3)</c> without flags: <c>*</c>, <c>?</c> and <c>[…]</c> (with <c>!</c> or <c>^</c> negation and ranges).</summary>
public static class Glob
{
    /// <summary>Whether <paramref name="text"/> matches <paramref name="pattern"/> in full.</summary>
    public static bool Matches(string pattern, string text)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(text);
        if (pattern.IndexOfAny(['*', '?', '[']) < 0)
            return pattern == text;
        int p = 0, t = 0, starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                starP = p++;
                starT = t;
                continue;
            }
            if (p < pattern.Length && MatchOne(pattern, ref p, text[t]))
            {
                t++;
                continue;
            }
            if (starP < 0)
                return false;
            p = starP + 1;
            t = ++starT;
        }
        while (p < pattern.Length && pattern[p] == '*')
            p++;
        return p == pattern.Length;
    }

    private static bool MatchOne(string pattern, ref int p, char c)
    {
        if (pattern[p] == '?')
        {
            p++;
            return true;
        }
        if (pattern[p] == '[')
        {
            int close = pattern.IndexOf(']', p + 2);
            if (close > 0)
            {
                int i = p + 1;
                bool negate = pattern[i] is '!' or '^';
                if (negate)
                    i++;
                bool found = false;
                for (; i < close; i++)
                {
                    if (i + 2 < close && pattern[i + 1] == '-')
                    {
                        found |= c >= pattern[i] && c <= pattern[i + 2];
                        i += 2;
                    }
                    else
                    {
                        found |= c == pattern[i];
                    }
                }
                if (found == negate)
                    return false;
                p = close + 1;
                return true;
            }
        }
        if (pattern[p] != c)
            return false;
        p++;
        return true;
    }
}
