using System.Reflection;
using System.Text.RegularExpressions;
using CommerceServices.Connector.Admin;
using CommerceServices.Protocol;
using CommerceServices.Testing;

namespace CommerceServices.Connector.Tests;

/// <summary>docs/integration.md names every option and says truly where each type lives.</summary>
public sealed partial class IntegrationGuideTests
{
    private static readonly string Guide = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "integration.md"));

    [Fact]
    public void EveryConnectorOption_AndEveryAdminPageOption_IsInTheGuide()
    {
        foreach (var option in Settable<CommerceServicesConnectorOptions>())
        {
            Assert.Contains($"`{CommerceServicesConnectorOptions.Section}:{option}`", Guide, StringComparison.Ordinal);
        }

        foreach (var option in Settable<CommerceServicesAdminOptions>())
        {
            Assert.Contains($"| `{option}` |", Guide, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void EveryTypeInTheNamespacesTable_IsPublic_InTheNamespaceTheTableGives()
    {
        var table = Guide[Guide.IndexOf("## Namespaces of the types", StringComparison.Ordinal)..].Split('\n')
            .SkipWhile(l => !l.StartsWith("| type", StringComparison.Ordinal)).Skip(2).TakeWhile(l => l.StartsWith('|')).ToList();
        var types = new[] { typeof(GatewayEnvironment).Assembly, typeof(CommerceServicesConnector).Assembly, typeof(CommerceServicesAdminOptions).Assembly }
            .SelectMany(a => a.GetExportedTypes()).ToList();
        var checkedTypes = 0;

        foreach (var row in table)
        {
            var cells = row.Split('|', StringSplitOptions.TrimEntries);
            var ns = Code().Match(cells[2]).Groups["code"].Value;
            if (ns.StartsWith("Microsoft.", StringComparison.Ordinal))
            {
                continue; // the registration methods' rows: RegistrationTests checks those namespaces
            }

            foreach (Match name in Code().Matches(cells[1]))
            {
                var typeName = name.Groups["code"].Value;
                if (!Regex.IsMatch(typeName, "^[A-Z][A-Za-z]+$"))
                {
                    continue; // a method or a phrase, not a type
                }

                var type = types.SingleOrDefault(t => t.Name == typeName);
                Assert.True(type is not null, $"The guide names {typeName}, which no package exports.");
                Assert.True(type.Namespace == ns, $"The guide puts {typeName} in {ns}; it is in {type.Namespace}.");
                checkedTypes++;
            }
        }

        Assert.True(checkedTypes >= 12, $"Only {checkedTypes} types checked: is the table still there?");
    }

    private static IEnumerable<string> Settable<T>() =>
        typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).Select(p => p.Name);

    [GeneratedRegex("`(?<code>[^`]+)`")]
    private static partial Regex Code();
}
