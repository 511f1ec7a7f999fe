using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CommerceServices.Platform.Data.Migrations;

/// <summary>
/// The one-time hand-over of a secret from a portal form post to the page that shows it, shared by every node: one row
/// per secret, encrypted with Data Protection, deleted when read or at the latest a few minutes later. Adds a table only.
/// </summary>
[DbContext(typeof(PlatformDbContext))]
[Migration("20261205000101_OneTimeHandoffs")]
public sealed class OneTimeHandoffs : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "OneTimeHandoffs",
            columns: table => new
            {
                Id = table.Column<string>(nullable: false),
                UserId = table.Column<string>(nullable: false),
                Payload = table.Column<string>(nullable: false),
                ExpiresAt = table.Column<long>(nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_OneTimeHandoffs", x => x.Id));
        migrationBuilder.CreateIndex("IX_OneTimeHandoffs_ExpiresAt", "OneTimeHandoffs", "ExpiresAt");
    }

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.DropTable("OneTimeHandoffs");
}
