using System.CommandLine;
using System.Globalization;
using Kabigate.App.Service;

namespace Kabigate.Cli.Commands;

/// <summary><c>kabigate token</c>: the service's bearer tokens (create, list, revoke).</summary>
internal static class TokenCommand
{
    public static Command Create(CliContext cli)
    {
        var command = new Command("token", "Manage the bearer tokens of 'kabigate serve'. A token is printed once, when it is made; the store keeps only its hash.\nExit status: 0 done, 2 usage or store error.");
        var db = StoreOptions.Db();
        var name = new Argument<string>("NAME") { Description = "Who or what holds the token (letters, digits, . _ @ -)." };
        var scope = new Option<string>("--scope") { Description = "What it may do: read, submit (upload), gate (POST /api/v1/gate), admin (everything).", DefaultValueFactory = _ => "read" };
        scope.AcceptOnlyFromAmong([.. ApiTokens.Scopes]);
        var create = new Command("create", "Make a token and print it (once) on stdout.") { name, scope, db };
        create.SetAction(parse =>
        {
            var (token, secret) = ApiTokens.Create(parse.GetValue(db), parse.GetValue(name)!, parse.GetValue(scope)!);
            cli.Stdout.WriteLine(secret);
            cli.Log.Note($"token '{token.Name}' (scope {token.Scope}) created; it is not shown again: keep it now");
            return ExitCodes.Ok;
        });
        var listDb = StoreOptions.Db();
        var list = new Command("list", "List the tokens: name, scope, when made (never the tokens).") { listDb };
        list.SetAction(parse =>
        {
            foreach (var token in ApiTokens.List(parse.GetValue(listDb)))
                cli.Stdout.WriteLine($"{token.Name}\t{token.Scope}\t{token.CreatedAt.ToString("u", CultureInfo.InvariantCulture)}");
            return ExitCodes.Ok;
        });
        var revokeName = new Argument<string>("NAME") { Description = "The token to revoke." };
        var revokeDb = StoreOptions.Db();
        var revoke = new Command("revoke", "Delete a token: requests bearing it are refused from now on.") { revokeName, revokeDb };
        revoke.SetAction(parse =>
        {
            ApiTokens.Revoke(parse.GetValue(revokeDb), parse.GetValue(revokeName)!);
            cli.Log.Note($"token '{parse.GetValue(revokeName)}' revoked");
            return ExitCodes.Ok;
        });
        command.Subcommands.Add(create);
        command.Subcommands.Add(list);
        command.Subcommands.Add(revoke);
        return command;
    }
}
