using System.Globalization;
using System.Text;
using QRCoder;

namespace CommerceServices.Platform.Operators;

/// <summary>
/// A QR code as inline SVG: QRCoder encodes the text into modules, and this draws them as one path (dark modules only,
/// a white square behind) with presentation attributes, no style attribute, so the page keeps a strict
/// Content-Security-Policy and the secret never leaves the page it is shown on (no image URL carries it).
/// </summary>
public static class QrCodeSvg
{
    public static string Render(string text, string label)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        var modules = data.ModuleMatrix;
        var size = modules.Count;
        var path = new StringBuilder();
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                if (modules[y][x])
                {
                    path.Append(CultureInfo.InvariantCulture, $"M{x} {y}h1v1h-1z");
                }
            }
        }

        return $"<svg class=\"qr\" viewBox=\"0 0 {size} {size}\" role=\"img\" aria-label=\"{System.Net.WebUtility.HtmlEncode(label)}\" " +
               $"shape-rendering=\"crispEdges\" xmlns=\"http://www.w3.org/2000/svg\"><rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/>" +
               $"<path fill=\"#000\" d=\"{path}\"/></svg>";
    }
}
