namespace Storefront;

public sealed record Product(string Id, string Name, string Description, long Price);

/// <summary>The shop's products. A sample needs a handful, kept in code.</summary>
public static class Catalog
{
    public static IReadOnlyList<Product> Products { get; } =
    [
        new("mug", "Enamel mug", "A 350 ml camping mug that survives the drop.", 1450),
        new("tee", "Organic T-shirt", "Heavy cotton, printed in small batches.", 2900),
        new("cap", "Canvas cap", "Adjustable, with a brass buckle.", 2200),
        new("notebook", "Dot-grid notebook", "A5, 192 pages, lies flat.", 1250),
    ];

    public static Product? Find(string? id) => Products.FirstOrDefault(p => p.Id == id);
}
