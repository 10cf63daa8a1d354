namespace Kabigate.Formats.Rpm;

/// <summary>RPM dependency relations as rpm prints them.</summary>
public static class RpmRelations
{
    /// <summary>The relation of a sense mask: <c>=</c>, <c>&lt;</c>, <c>&lt;=</c>, <c>&gt;</c>, <c>&gt;=</c>, or empty when unversioned.</summary>
    public static string Of(RpmSense flags)
    {
        var less = (flags & RpmSense.Less) != 0;
        var greater = (flags & RpmSense.Greater) != 0;
        var equal = (flags & RpmSense.Equal) != 0;
        return (less, greater, equal) switch
        {
            (true, _, true) => "<=",
            (true, _, false) => "<",
            (_, true, true) => ">=",
            (_, true, false) => ">",
            (_, _, true) => "=",
            _ => "",
        };
    }
}
