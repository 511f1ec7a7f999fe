using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CommerceServices.Platform.Data.Migrations;

/// <summary>The account portal: its users, their invitations, and the accounts' API tokens. Adds tables only.</summary>
[DbContext(typeof(PlatformDbContext))]
[Migration("20261122000005_Portal")]
public sealed class Portal : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "PortalUsers",
            columns: table => new
            {
                Id = table.Column<string>(nullable: false),
                AccountId = table.Column<string>(nullable: false),
                Email = table.Column<string>(nullable: false),
                PasswordHash = table.Column<string>(nullable: false),
                SecurityStamp = table.Column<string>(nullable: false),
                FailedSignIns = table.Column<int>(nullable: false),
                LockedUntil = table.Column<long>(nullable: true),
                CreatedAt = table.Column<long>(nullable: false),
                LastSignInAt = table.Column<long>(nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_PortalUsers", x => x.Id);
                table.ForeignKey("FK_PortalUsers_Accounts_AccountId", x => x.AccountId, "Accounts", "Id", onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex("IX_PortalUsers_AccountId", "PortalUsers", "AccountId");
        migrationBuilder.CreateIndex("IX_PortalUsers_Email", "PortalUsers", "Email", unique: true);

        migrationBuilder.CreateTable(
            name: "Invitations",
            columns: table => new
            {
                Id = table.Column<string>(nullable: false),
                AccountId = table.Column<string>(nullable: false),
                Email = table.Column<string>(nullable: false),
                TokenHash = table.Column<string>(nullable: false),
                CreatedAt = table.Column<long>(nullable: false),
                ExpiresAt = table.Column<long>(nullable: false),
                AcceptedAt = table.Column<long>(nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_Invitations", x => x.Id);
                table.ForeignKey("FK_Invitations_Accounts_AccountId", x => x.AccountId, "Accounts", "Id", onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex("IX_Invitations_AccountId", "Invitations", "AccountId");
        migrationBuilder.CreateIndex("IX_Invitations_TokenHash", "Invitations", "TokenHash", unique: true);

        migrationBuilder.CreateTable(
            name: "AccountTokens",
            columns: table => new
            {
                Id = table.Column<string>(nullable: false),
                AccountId = table.Column<string>(nullable: false),
                Name = table.Column<string>(nullable: false),
                TokenHash = table.Column<string>(nullable: false),
                Hint = table.Column<string>(nullable: false),
                CreatedBy = table.Column<string>(nullable: false),
                CreatedAt = table.Column<long>(nullable: false),
                LastUsedAt = table.Column<long>(nullable: true),
                RevokedAt = table.Column<long>(nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_AccountTokens", x => x.Id);
                table.ForeignKey("FK_AccountTokens_Accounts_AccountId", x => x.AccountId, "Accounts", "Id", onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex("IX_AccountTokens_AccountId", "AccountTokens", "AccountId");
        migrationBuilder.CreateIndex("IX_AccountTokens_TokenHash", "AccountTokens", "TokenHash", unique: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable("AccountTokens");
        migrationBuilder.DropTable("Invitations");
        migrationBuilder.DropTable("PortalUsers");
    }
}
