using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CommerceServices.Platform.Data.Migrations;

/// <summary>
/// Projects, data spaces and Payment Services' payments. Existing accounts get their default project, as new ones do
/// at creation, so an upgraded database looks like a fresh one.
/// </summary>
[DbContext(typeof(PlatformDbContext))]
[Migration("20261121000002_Registry")]
public sealed class Registry : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "Projects",
            columns: table => new
            {
                Id = table.Column<string>(nullable: false),
                AccountId = table.Column<string>(nullable: false),
                Name = table.Column<string>(nullable: false),
                CreatedAt = table.Column<long>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_Projects", x => x.Id);
                table.ForeignKey("FK_Projects_Accounts_AccountId", x => x.AccountId, "Accounts", "Id", onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex("IX_Projects_AccountId", "Projects", "AccountId");

        migrationBuilder.CreateTable(
            name: "DataSpaces",
            columns: table => new
            {
                Id = table.Column<string>(nullable: false),
                AccountId = table.Column<string>(nullable: false),
                ProjectId = table.Column<string>(nullable: false),
                Name = table.Column<string>(nullable: false),
                Type = table.Column<string>(nullable: false),
                InstanceId = table.Column<string>(nullable: true),
                CreatedAt = table.Column<long>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_DataSpaces", x => x.Id);
                table.ForeignKey("FK_DataSpaces_Projects_ProjectId", x => x.ProjectId, "Projects", "Id", onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex("IX_DataSpaces_AccountId", "DataSpaces", "AccountId");
        migrationBuilder.CreateIndex("IX_DataSpaces_ProjectId_Name", "DataSpaces", ["ProjectId", "Name"], unique: true);

        migrationBuilder.CreateTable(
            name: "Payments",
            columns: table => new
            {
                Id = table.Column<string>(nullable: false),
                DataSpaceId = table.Column<string>(nullable: false),
                Reference = table.Column<string>(nullable: false),
                Amount = table.Column<long>(nullable: false),
                Currency = table.Column<string>(nullable: false),
                Status = table.Column<string>(nullable: false),
                CreatedAt = table.Column<long>(nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_Payments", x => x.Id);
                table.ForeignKey("FK_Payments_DataSpaces_DataSpaceId", x => x.DataSpaceId, "DataSpaces", "Id", onDelete: ReferentialAction.Cascade);
            });
        migrationBuilder.CreateIndex("IX_Payments_DataSpaceId", "Payments", "DataSpaceId");

        // Plain SQL that SQLite and PostgreSQL both read: a default project for every account that exists already.
        migrationBuilder.Sql(
            """
            INSERT INTO "Projects" ("Id", "AccountId", "Name", "CreatedAt")
            SELECT 'prj_' || substr("Id", 5), "Id", 'Default project', "CreatedAt" FROM "Accounts";
            """);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable("Payments");
        migrationBuilder.DropTable("DataSpaces");
        migrationBuilder.DropTable("Projects");
    }
}
