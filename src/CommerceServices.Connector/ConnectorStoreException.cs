namespace CommerceServices.Connector;

/// <summary>
/// The settings store cannot be read or written: a damaged file, a missing key ring, no permission. The message says
/// which and never contains a key.
/// </summary>
public sealed class ConnectorStoreException(string message, Exception? innerException = null) : Exception(message, innerException);
