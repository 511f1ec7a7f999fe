using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CommerceServices.Platform.Data.Migrations;

/// <summary>
/// Services behind the gateway: the registered services (Payment Services among them, so that entitlements, which now
/// refer to a service, keep theirs), the gateway's signing keys (private halves protected by Data Protection), the copy
/// and delete jobs across services, and the time a data space's delete began. Existing entitlements are kept.
/// </summary>
[DbContext(typeof(PlatformDbContext))]
[Migration("20261205000700_ServicesBehindTheGateway")]
public sealed class ServicesBehindTheGateway : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "Services",
            columns: table => new
            {
                Id = table.Column<string>(nullable: false),
                Name = table.Column<string>(nullable: false),
                PathPrefix = table.Column<string>(nullable: false),
                Upstreams = table.Column<string>(nullable: false),
                DataSpace = table.Column<string>(nullable: false),
                Environments = table.Column<string>(nullable: false),
                LifecycleUrl = table.Column<string>(nullable: true),
                TimeoutSeconds = table.Column<int>(nullable: false),
                HealthPath = table.Column<string>(nullable: true),
                MaxConcurrentRequests = table.Column<int>(nullable: false),
                Origin = table.Column<string>(nullable: false),
                CreatedAt = table.Column<long>(nullable: false),
                UpdatedAt = table.Column<long>(nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_Services", x => x.Id));
        migrationBuilder.CreateIndex("IX_Services_PathPrefix", "Services", "PathPrefix", unique: true);

        // Payment Services, the one service entitlements could name until now; the platform rewrites its row at start.
        var (text, integer, bigint) = migrationBuilder.IsSqlite() ? ("TEXT", "INTEGER", "INTEGER") : ("text", "integer", "bigint");
        migrationBuilder.InsertData("Services",
            ["Id", "Name", "PathPrefix", "Upstreams", "DataSpace", "Environments", "TimeoutSeconds", "MaxConcurrentRequests", "Origin", "CreatedAt", "UpdatedAt"],
            [text, text, text, text, text, text, integer, integer, text, bigint, bigint],
            ["payments", "Payment Services", "/payments/v1", "", "required", "sandbox\nproduction", 30, 0, "built-in", 0L, 0L]);

        if (migrationBuilder.IsSqlite())
        {
            // SQLite cannot add a foreign key to a table: the table is made again with it, rows and all.
            migrationBuilder.CreateTable(
                name: "Entitlements_new",
                columns: table => new
                {
                    AccountId = table.Column<string>(nullable: false),
                    Service = table.Column<string>(nullable: false),
                    GrantedAt = table.Column<long>(nullable: false),
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Entitlements", x => new { x.AccountId, x.Service });
                    table.ForeignKey("FK_Entitlements_Accounts_AccountId", x => x.AccountId, "Accounts", "Id", onDelete: ReferentialAction.Cascade);
                    table.ForeignKey("FK_Entitlements_Services_Service", x => x.Service, "Services", "Id", onDelete: ReferentialAction.Cascade);
                });
            migrationBuilder.Sql("""INSERT INTO "Entitlements_new" ("AccountId", "Service", "GrantedAt") SELECT "AccountId", "Service", "GrantedAt" FROM "Entitlements";""");
            migrationBuilder.DropTable("Entitlements");
            migrationBuilder.RenameTable("Entitlements_new", newName: "Entitlements");
        }
        else
        {
            migrationBuilder.AddForeignKey("FK_Entitlements_Services_Service", "Entitlements", "Service", "Services", principalColumn: "Id",
                onDelete: ReferentialAction.Cascade);
        }

        migrationBuilder.CreateIndex("IX_Entitlements_Service", "Entitlements", "Service");

        migrationBuilder.AddColumn<long>(name: "DeletionRequestedAt", table: "DataSpaces", nullable: true);

        migrationBuilder.CreateTable(
            name: "GatewaySigningKeys",
            columns: table => new
            {
                Kid = table.Column<string>(nullable: false),
                PublicJwk = table.Column<string>(nullable: false),
                ProtectedPrivateKey = table.Column<string>(nullable: false),
                CreatedAt = table.Column<long>(nullable: false),
                ActivatesAt = table.Column<long>(nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_GatewaySigningKeys", x => x.Kid));

        migrationBuilder.CreateTable(
            name: "LifecycleJobs",
            columns: table => new
            {
                Id = table.Column<string>(nullable: false),
                AccountId = table.Column<string>(nullable: false),
                Kind = table.Column<string>(nullable: false),
                DataSpaceId = table.Column<string>(nullable: false),
                FromDataSpaceId = table.Column<string>(nullable: true),
                Status = table.Column<string>(nullable: false),
                Actor = table.Column<string>(nullable: false),
                CreatedAt = table.Column<long>(nullable: false),
                CompletedAt = table.Column<long>(nullable: true),
                NextAttemptAt = table.Column<long>(nullable: true),
                LeasedUntil = table.Column<long>(nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_LifecycleJobs", x => x.Id);
                table.ForeignKey("FK_LifecycleJobs_Accounts_AccountId", x => x.AccountId, "Accounts", "Id", onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex("IX_LifecycleJobs_AccountId", "LifecycleJobs", "AccountId");
        migrationBuilder.CreateIndex("IX_LifecycleJobs_Status_NextAttemptAt", "LifecycleJobs", ["Status", "NextAttemptAt"]);

        migrationBuilder.CreateTable(
            name: "LifecycleJobSteps",
            columns: table => new
            {
                JobId = table.Column<string>(nullable: false),
                Service = table.Column<string>(nullable: false),
                Status = table.Column<string>(nullable: false),
                Items = table.Column<int>(nullable: true),
                Attempts = table.Column<int>(nullable: false),
                LastError = table.Column<string>(nullable: true),
                NextAttemptAt = table.Column<long>(nullable: true),
                CompletedAt = table.Column<long>(nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_LifecycleJobSteps", x => new { x.JobId, x.Service });
                table.ForeignKey("FK_LifecycleJobSteps_LifecycleJobs_JobId", x => x.JobId, "LifecycleJobs", "Id", onDelete: ReferentialAction.Cascade);
            });
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable("LifecycleJobSteps");
        migrationBuilder.DropTable("LifecycleJobs");
        migrationBuilder.DropTable("GatewaySigningKeys");
        migrationBuilder.DropColumn("DeletionRequestedAt", "DataSpaces");
        migrationBuilder.DropIndex("IX_Entitlements_Service", "Entitlements");
        migrationBuilder.DropForeignKey("FK_Entitlements_Services_Service", "Entitlements");
        migrationBuilder.DropTable("Services");
    }
}
