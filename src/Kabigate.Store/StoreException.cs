namespace Kabigate.Store;

/// <summary>The store cannot be opened, is of an unknown schema, or refused an operation; the message is one line for the user.</summary>
public sealed class StoreException : IOException
{
    /// <summary>Creates the exception.</summary>
    public StoreException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
