using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CommerceServices.Platform.Data.Migrations;

/// <summary>
/// Project names unique per account in the database: the name as it is compared (trimmed, case-folded), under a
/// unique index. Projects that exist already get theirs at start-up (<see cref="Registry.ProjectNames.BackfillAsync"/>):
/// the folding cannot be written in SQL that SQLite and PostgreSQL both run (SQLite's <c>lower()</c> folds ASCII only),
/// and the column may stay empty until then because the unique index ignores nulls. Two old projects of one account
/// whose names fold alike are both kept; the younger is renamed "Name (2)" then, never dropped or merged.
/// </summary>
[DbContext(typeof(PlatformDbContext))]
[Migration("20261205000100_ProjectNameIndex")]
public sealed class ProjectNameIndex : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<string>(name: "NormalizedName", table: "Projects", nullable: true);
        migrationBuilder.CreateIndex("IX_Projects_AccountId_NormalizedName", "Projects", ["AccountId", "NormalizedName"], unique: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropIndex("IX_Projects_AccountId_NormalizedName", "Projects");
        migrationBuilder.DropColumn("NormalizedName", "Projects");
    }
}
