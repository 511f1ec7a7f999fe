using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace CommerceServices.Platform.Data.Migrations;

/// <summary>
/// Gateway hardening: the fingerprint of each registered public key, unique, so one public key belongs to one pair only
/// (<c>public_key_in_use</c>); and the Magento Cloud id a data space records. Keys that exist already get their
/// fingerprint at start-up (<see cref="Accounts.KeyFingerprints.BackfillAsync"/>): a SHA-256 cannot be computed in SQL
/// that SQLite and PostgreSQL both read, and the column may stay empty until then because the unique index ignores nulls.
/// </summary>
[DbContext(typeof(PlatformDbContext))]
[Migration("20261122000003_GatewayHardening")]
public sealed class GatewayHardening : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<string>(name: "PublicKeyFingerprint", table: "KeyPairs", nullable: true);
        migrationBuilder.CreateIndex("IX_KeyPairs_PublicKeyFingerprint", "KeyPairs", "PublicKeyFingerprint", unique: true);
        migrationBuilder.AddColumn<string>(name: "CloudId", table: "DataSpaces", nullable: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropColumn("CloudId", "DataSpaces");
        migrationBuilder.DropIndex("IX_KeyPairs_PublicKeyFingerprint", "KeyPairs");
        migrationBuilder.DropColumn("PublicKeyFingerprint", "KeyPairs");
    }
}
