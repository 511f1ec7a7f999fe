namespace CommerceServices.Connector.Admin;

/// <summary>Options of the admin pages, set with <c>AddCommerceServicesAdmin(o => …)</c>.</summary>
public sealed class CommerceServicesAdminOptions
{
    public const string DefaultPortalUrl = "http://127.0.0.1:5080";

    /// <summary>
    /// The authorization policy a user must meet to see the pages. While it is null the pages refuse everyone: an
    /// admin area that forgot to say who may use it must not be open to all.
    /// </summary>
    public string? AuthorizationPolicy { get; set; }

    /// <summary>The platform's account portal: where keys are made, and where "Generate a key pair here" registers a public key.</summary>
    public Uri PortalUrl { get; set; } = new(DefaultPortalUrl);

    /// <summary>Shown in the page header and title.</summary>
    public string ApplicationName { get; set; } = "Store admin";

    /// <summary>A link back to the host's own admin or shop, shown in the header; none when null.</summary>
    public string? HomeUrl { get; set; }

    /// <summary>A sign-out form target of the host, shown in the header as a button; none when null.</summary>
    public string? SignOutUrl { get; set; }

    /// <summary>
    /// Where the host's own admin menu lists the Payment Services page, shown above the page's title, for example
    /// "Sales › Payment Services". Nothing is shown when null: the pages never name a menu the host does not have.
    /// </summary>
    public string? PaymentServicesMenuPath { get; set; }

    /// <summary>
    /// Where the host's own admin menu lists the Commerce Services Connector page, for example
    /// "Stores › Configuration › Commerce Services Connector". Nothing is shown when null.
    /// </summary>
    public string? ConnectorMenuPath { get; set; }

    /// <summary>How many of the data space's recent payments the Payment Services page lists.</summary>
    public int RecentPayments { get; set; } = 20;
}
