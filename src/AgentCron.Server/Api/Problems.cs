using AgentCron.Core;
using AgentCron.Core.Ports;
using Microsoft.AspNetCore.Diagnostics;

namespace AgentCron.Server.Api;

/// <summary>Maps exceptions to RFC 9457 problem documents: 400 invalid (with the field), 404, 409; 500 only for our own bugs.</summary>
public static class Problems
{
    public static int StatusOf(Exception error) => error switch
    {
        InvalidFieldException or BadHttpRequestException => StatusCodes.Status400BadRequest,
        NotFoundException => StatusCodes.Status404NotFound,
        ConflictException => StatusCodes.Status409Conflict,
        _ => StatusCodes.Status500InternalServerError,
    };

    public static async Task HandleAsync(HttpContext context)
    {
        var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        var status = error is null ? StatusCodes.Status500InternalServerError : StatusOf(error);
        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Status = status,
            Type = $"https://httpstatuses.io/{status}",
            Title = status switch
            {
                400 => "Invalid request",
                404 => "Not found",
                409 => "Conflict",
                _ => "Internal error",
            },
            Detail = status == 500 ? "the daemon hit an unexpected error; it is in the daemon's log" : error?.Message,
        };
        if (error is InvalidFieldException invalid)
        {
            problem.Extensions["field"] = invalid.Field;
        }

        context.Response.StatusCode = status;
        await context.RequestServices.GetRequiredService<IProblemDetailsService>()
            .WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = error });
    }
}
