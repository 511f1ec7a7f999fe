using CommerceServices.Service;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;

namespace RecommendationsService;

/// <summary>Composition of the service. <c>Program.cs</c> and the tests build it the same way.</summary>
public static class RecommendationsApplication
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.AddServiceDefaults("recommendations");
        configure?.Invoke(builder);
        var dataDirectory = Path.GetFullPath(builder.Configuration["Recommendations:DataDirectory"] ?? "data", Directory.GetCurrentDirectory());
        builder.Services.AddDbContext<RecommendationsDb>(o => o.UseSqlite($"Data Source={Path.Combine(dataDirectory, "recommendations.db")}"));
        // The gateway's token, checked by the stock JwtBearer handler against the platform's published keys.
        builder.Services.AddCommerceServicesGateway();
        builder.Services.AddProblemDetails();

        var app = builder.Build();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapRecommendationsApi();
        app.MapLifecycleApi();
        // The addresses Kestrel bound (port 0 resolved), so whoever started the service can read where it listens.
        app.Lifetime.ApplicationStarted.Register(() => app.Logger.LogInformation("Recommendations ready on {Urls}; data in {Folder}.",
            string.Join(' ', app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? []), dataDirectory));
        Directory.CreateDirectory(dataDirectory);
        return app;
    }

    /// <summary>Creates the database on first start (a sample keeps one table and no migrations).</summary>
    public static async Task InitializeAsync(this WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<RecommendationsDb>();
        await db.Database.EnsureCreatedAsync();
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
    }
}
