using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CommerceServices.Platform.Data.Migrations;

/// <summary>
/// The operator console: operator users, their invitations and recovery codes; the gateway's per-minute traffic rollups;
/// the caller address of a key's last use; and what the console's searches need — a lower-cased account name and an
/// audit event's object (<c>Subject</c>), both filled in for existing rows, and the indexes that keep the audit search
/// and the account search fast with millions of rows. Existing data is kept.
/// </summary>
[DbContext(typeof(PlatformDbContext))]
[Migration("20261205000500_OperatorConsole")]
public sealed class OperatorConsole : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "OperatorUsers",
            columns: table => new
            {
                Id = table.Column<string>(nullable: false),
                Email = table.Column<string>(nullable: false),
                Role = table.Column<string>(nullable: false),
                PasswordHash = table.Column<string>(nullable: false),
                SecurityStamp = table.Column<string>(nullable: false),
                FailedSignIns = table.Column<int>(nullable: false),
                LockedUntil = table.Column<long>(nullable: true),
                TotpSecret = table.Column<string>(nullable: true),
                PendingTotpSecret = table.Column<string>(nullable: true),
                LastTotpStep = table.Column<long>(nullable: true),
                CreatedAt = table.Column<long>(nullable: false),
                LastSignInAt = table.Column<long>(nullable: true),
                DisabledAt = table.Column<long>(nullable: true),
            },
            constraints: table => table.PrimaryKey("PK_OperatorUsers", x => x.Id));
        migrationBuilder.CreateIndex("IX_OperatorUsers_Email", "OperatorUsers", "Email", unique: true);

        migrationBuilder.CreateTable(
            name: "OperatorInvitations",
            columns: table => new
            {
                Id = table.Column<string>(nullable: false),
                Email = table.Column<string>(nullable: false),
                Role = table.Column<string>(nullable: false),
                TokenHash = table.Column<string>(nullable: false),
                InvitedBy = table.Column<string>(nullable: false),
                CreatedAt = table.Column<long>(nullable: false),
                ExpiresAt = table.Column<long>(nullable: false),
                AcceptedAt = table.Column<long>(nullable: true),
            },
            constraints: table => table.PrimaryKey("PK_OperatorInvitations", x => x.Id));
        migrationBuilder.CreateIndex("IX_OperatorInvitations_TokenHash", "OperatorInvitations", "TokenHash", unique: true);

        migrationBuilder.CreateTable(
            name: "OperatorRecoveryCodes",
            columns: table => new
            {
                OperatorId = table.Column<string>(nullable: false),
                CodeHash = table.Column<string>(nullable: false),
                UsedAt = table.Column<long>(nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_OperatorRecoveryCodes", x => new { x.OperatorId, x.CodeHash });
                table.ForeignKey("FK_OperatorRecoveryCodes_OperatorUsers_OperatorId", x => x.OperatorId, "OperatorUsers", "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "TrafficMinutes",
            columns: table => new
            {
                Minute = table.Column<long>(nullable: false),
                Environment = table.Column<string>(nullable: false),
                Service = table.Column<string>(nullable: false),
                Outcome = table.Column<string>(nullable: false),
                Count = table.Column<long>(nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_TrafficMinutes", x => new { x.Minute, x.Environment, x.Service, x.Outcome }));

        migrationBuilder.CreateTable(
            name: "TrafficRefusals",
            columns: table => new
            {
                Minute = table.Column<long>(nullable: false),
                ApiKey = table.Column<string>(nullable: false),
                Outcome = table.Column<string>(nullable: false),
                AccountId = table.Column<string>(nullable: false),
                Count = table.Column<long>(nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_TrafficRefusals", x => new { x.Minute, x.ApiKey, x.Outcome }));
        migrationBuilder.CreateIndex("IX_TrafficRefusals_AccountId_Minute", "TrafficRefusals", ["AccountId", "Minute"]);

        migrationBuilder.AddColumn<string>("LastUsedFrom", "KeyPairs", nullable: true);

        // Account search by the start of a name, case-insensitively. SQLite's lower() folds ASCII only: names with other
        // capitals written before this version are found by their lower-case ASCII form.
        migrationBuilder.AddColumn<string>("NormalizedName", "Accounts", nullable: false, defaultValue: "");
        migrationBuilder.Sql("UPDATE \"Accounts\" SET \"NormalizedName\" = lower(\"Name\")");
        migrationBuilder.CreateIndex("IX_Accounts_NormalizedName", "Accounts", "NormalizedName");

        // The object of each existing event, as AuditLog.SubjectOf gives it to new ones: the API key, else the first word
        // of the detail for the actions that write an id, a service or an email there.
        migrationBuilder.AddColumn<string>("Subject", "AuditEvents", nullable: true);
        var firstWord = migrationBuilder.ActiveProvider == "Npgsql.EntityFrameworkCore.PostgreSQL"
            ? "rtrim(split_part(\"Detail\", ' ', 1), ':')"
            : "rtrim(CASE WHEN instr(\"Detail\", ' ') > 0 THEN substr(\"Detail\", 1, instr(\"Detail\", ' ') - 1) ELSE \"Detail\" END, ':')";
        migrationBuilder.Sql("UPDATE \"AuditEvents\" SET \"Subject\" = \"ApiKey\" WHERE \"ApiKey\" IS NOT NULL");
        migrationBuilder.Sql(
            $"UPDATE \"AuditEvents\" SET \"Subject\" = {firstWord} WHERE \"ApiKey\" IS NULL AND \"Detail\" IS NOT NULL AND " +
            "(\"Action\" LIKE 'data\\_space.%' ESCAPE '\\' OR \"Action\" LIKE 'token.%' OR \"Action\" LIKE 'entitlement.%' " +
            "OR \"Action\" IN ('account.created', 'user.invited') OR (\"Action\" = 'user.joined' AND \"Detail\" LIKE '%@%'))");
        migrationBuilder.CreateIndex("IX_AuditEvents_At_Id", "AuditEvents", ["At", "Id"]);
        migrationBuilder.CreateIndex("IX_AuditEvents_Actor_At_Id", "AuditEvents", ["Actor", "At", "Id"]);
        migrationBuilder.CreateIndex("IX_AuditEvents_Action_At_Id", "AuditEvents", ["Action", "At", "Id"]);
        migrationBuilder.CreateIndex("IX_AuditEvents_Subject_At_Id", "AuditEvents", ["Subject", "At", "Id"]);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropIndex("IX_AuditEvents_Subject_At_Id", "AuditEvents");
        migrationBuilder.DropIndex("IX_AuditEvents_Action_At_Id", "AuditEvents");
        migrationBuilder.DropIndex("IX_AuditEvents_Actor_At_Id", "AuditEvents");
        migrationBuilder.DropIndex("IX_AuditEvents_At_Id", "AuditEvents");
        migrationBuilder.DropColumn("Subject", "AuditEvents");
        migrationBuilder.DropIndex("IX_Accounts_NormalizedName", "Accounts");
        migrationBuilder.DropColumn("NormalizedName", "Accounts");
        migrationBuilder.DropColumn("LastUsedFrom", "KeyPairs");
        migrationBuilder.DropTable("TrafficRefusals");
        migrationBuilder.DropTable("TrafficMinutes");
        migrationBuilder.DropTable("OperatorRecoveryCodes");
        migrationBuilder.DropTable("OperatorInvitations");
        migrationBuilder.DropTable("OperatorUsers");
    }
}
