using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Threading.RateLimiting;
using Kabigate.App.Service;
using Kabigate.Formats;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Kabigate.Server.Api;

/// <summary>
/// Bearer tokens (ASP.NET Core authentication), one authorization policy per scope, and a per-token rate limit
/// (ASP.NET Core's rate limiter; per client address for anonymous reads). Tokens are never logged.
/// </summary>
internal static class Security
{
    public const string Scheme = "KabigateToken";

    public const string ScopeClaim = "kabigate:scope";

    public static IServiceCollection AddKabigateSecurity(this IServiceCollection services, ServiceConfig config)
    {
        services.AddAuthentication(Scheme).AddScheme<AuthenticationSchemeOptions, TokenHandler>(Scheme, null);
        services.AddAuthorization(o =>
        {
            foreach (var scope in ApiTokens.Scopes)
            {
                // A request that brings a token is judged by it, even where anonymous reads are allowed: a revoked or
                // mistyped token is refused rather than silently ignored.
                o.AddPolicy(scope, p => p.RequireAssertion(c =>
                    (c.User.FindFirst(ScopeClaim)?.Value is { } held && ApiTokens.Grants(held, scope))
                    || (scope == "read" && config.AnonymousRead && c.Resource is HttpContext { Request.Headers.Authorization.Count: 0 })));
            }
        });
        services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
            {
                var key = http.User.Identity?.IsAuthenticated == true ? "token:" + http.User.Identity.Name : "address:" + http.Connection.RemoteIpAddress;
                return RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = config.RateLimit,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                });
            });
            o.OnRejected = (c, token) =>
            {
                c.HttpContext.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                c.HttpContext.Response.Headers.RetryAfter = "60";
                return new ValueTask(ApiResults.WriteError(c.HttpContext.Response, $"rate limit: more than {config.RateLimit} requests a minute; retry later"));
            };
        });
        return services;
    }

    /// <summary>Reads <c>Authorization: Bearer TOKEN</c> and finds the token by its hash in the store.</summary>
    private sealed class TokenHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ServiceContext context)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            string? header = Request.Headers.Authorization;
            if (string.IsNullOrEmpty(header))
                return Task.FromResult(AuthenticateResult.NoResult());
            if (!header.StartsWith("Bearer ", StringComparison.Ordinal))
                return Task.FromResult(AuthenticateResult.Fail("the Authorization header must be 'Bearer TOKEN'"));
            using var store = context.OpenRead();
            var token = ApiTokens.Verify(store, header["Bearer ".Length..].Trim());
            if (token is null)
                return Task.FromResult(AuthenticateResult.Fail("unknown or revoked token"));
            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, token.Name), new Claim(ScopeClaim, token.Scope)], Security.Scheme);
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Security.Scheme)));
        }

        protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
        {
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            Response.Headers.WWWAuthenticate = "Bearer";
            var failure = (await HandleAuthenticateOnceSafeAsync()).Failure?.Message;
            await ApiResults.WriteError(Response, failure ?? "a bearer token is needed: Authorization: Bearer TOKEN (see 'kabigate token create')");
        }

        protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
        {
            Response.StatusCode = StatusCodes.Status403Forbidden;
            var scope = Context.User.FindFirst(ScopeClaim)?.Value;
            return ApiResults.WriteError(Response, $"this token's scope '{scope}' does not allow this request");
        }
    }
}
