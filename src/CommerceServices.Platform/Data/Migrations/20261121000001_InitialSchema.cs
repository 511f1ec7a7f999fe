using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CommerceServices.Platform.Data.Migrations;

/// <summary>
/// Accounts, entitlements, key pairs and the audit log. Written by hand (no EF design tools here) and without column
/// types, so each provider maps the CLR types itself and one migration serves SQLite and PostgreSQL.
/// </summary>
[DbContext(typeof(PlatformDbContext))]
[Migration("20261121000001_InitialSchema")]
public sealed class InitialSchema : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "Accounts",
            columns: table => new
            {
                Id = table.Column<string>(nullable: false),
                Email = table.Column<string>(nullable: false),
                Name = table.Column<string>(nullable: false),
                CreatedAt = table.Column<long>(nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_Accounts", x => x.Id));
        migrationBuilder.CreateIndex("IX_Accounts_Email", "Accounts", "Email", unique: true);

        migrationBuilder.CreateTable(
            name: "Entitlements",
            columns: table => new
            {
                AccountId = table.Column<string>(nullable: false),
                Service = table.Column<string>(nullable: false),
                GrantedAt = table.Column<long>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_Entitlements", x => new { x.AccountId, x.Service });
                table.ForeignKey("FK_Entitlements_Accounts_AccountId", x => x.AccountId, "Accounts", "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "KeyPairs",
            columns: table => new
            {
                Id = table.Column<string>(nullable: false),
                AccountId = table.Column<string>(nullable: false),
                Environment = table.Column<string>(nullable: false),
                ApiKey = table.Column<string>(nullable: false),
                PublicKeyPem = table.Column<string>(nullable: false),
                Origin = table.Column<string>(nullable: false),
                CreatedAt = table.Column<long>(nullable: false),
                ExpiresAt = table.Column<long>(nullable: true),
                RevokedAt = table.Column<long>(nullable: true),
                LastUsedAt = table.Column<long>(nullable: true),
                ActiveSlot = table.Column<string>(nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_KeyPairs", x => x.Id);
                table.ForeignKey("FK_KeyPairs_Accounts_AccountId", x => x.AccountId, "Accounts", "Id",
                    onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex("IX_KeyPairs_ApiKey", "KeyPairs", "ApiKey", unique: true);
        migrationBuilder.CreateIndex("IX_KeyPairs_ActiveSlot", "KeyPairs", "ActiveSlot", unique: true);
        migrationBuilder.CreateIndex("IX_KeyPairs_AccountId", "KeyPairs", "AccountId");

        migrationBuilder.CreateTable(
            name: "AuditEvents",
            columns: table => new
            {
                Id = table.Column<string>(nullable: false),
                AccountId = table.Column<string>(nullable: false),
                Action = table.Column<string>(nullable: false),
                Actor = table.Column<string>(nullable: false),
                At = table.Column<long>(nullable: false),
                ApiKey = table.Column<string>(nullable: true),
                Detail = table.Column<string>(nullable: true),
            },
            constraints: table => table.PrimaryKey("PK_AuditEvents", x => x.Id));
        migrationBuilder.CreateIndex("IX_AuditEvents_AccountId_At", "AuditEvents", ["AccountId", "At"]);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable("AuditEvents");
        migrationBuilder.DropTable("KeyPairs");
        migrationBuilder.DropTable("Entitlements");
        migrationBuilder.DropTable("Accounts");
    }
}
