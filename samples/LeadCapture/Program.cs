// LeadCapture: a web form's POST becomes a typed row in the Leads DE and an entry into the Lead Nurture journey.
// Validation errors become 400 problem details that name the form field; SFMC is never called for a bad lead.
//
//   dotnet run --project samples/LeadCapture            (then open the printed address, or:)
//   curl -d "email=ada@example.com&firstName=Ada&consent=on" http://127.0.0.1:5080/leads
//
// With no settings it starts the SFMC emulator in-process; SFMC__AUTHBASEURI, SFMC__CLIENTID and SFMC__CLIENTSECRET
// point it at a tenant (the Leads DE and the journey's API event must exist there).
using LeadCapture.DataExtensions;
using Sfmc.Client;
using Sfmc.Samples;

var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var settings = builder.Configuration.GetSection("Sfmc");
await using var emulator = await SampleSfmc.StartEmulatorUnlessTenantAsync(settings, o =>
{
    o.DataExtensions.Add(LeadsRow.Schema);
    o.JourneyEventDefinitionKeys.Add(LeadCapture.Journeys.LeadNurtureJourney.EventDefinitionKey);
});
SampleSfmc.AddSfmc(builder.Services, settings, emulator);
if (builder.Configuration["urls"] is null && Environment.GetEnvironmentVariable("ASPNETCORE_URLS") is null)
{
    builder.WebHost.UseUrls("http://127.0.0.1:5080");
}

var app = builder.Build();

app.MapGet("/", () => Results.Content("""
    <!doctype html><meta charset="utf-8"><title>Sign up</title>
    <form method="post" action="/leads">
      <label>Email <input name="email" type="email" required></label>
      <label>First name <input name="firstName" required maxlength="50"></label>
      <label>Last name <input name="lastName" maxlength="80"></label>
      <label>Company <input name="company" maxlength="100"></label>
      <label><input name="consent" type="checkbox"> Email me</label>
      <button>Sign up</button>
    </form>
    """, "text/html"));

app.MapPost("/leads", async (HttpRequest request, SfmcClient sfmc, CancellationToken cancellationToken) =>
{
    if (!request.HasFormContentType)
    {
        return Results.Problem("Post the sign-up form (application/x-www-form-urlencoded or multipart/form-data).", statusCode: StatusCodes.Status415UnsupportedMediaType);
    }

    var form = await request.ReadFormAsync(cancellationToken);
    var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
    var email = Text(form, "email");
    var firstName = Text(form, "firstName");
    if (email is null)
    {
        errors["email"] = ["An email address is required."];
    }

    if (firstName is null)
    {
        errors["firstName"] = ["A first name is required."];
    }

    if (errors.Count > 0)
    {
        return Results.ValidationProblem(errors);
    }

    var lead = new LeadsRow
    {
        Email = email!,
        FirstName = firstName!,
        LastName = Text(form, "lastName"),
        Company = Text(form, "company"),
        Consent = form["consent"] is ["on"] or ["true"],
        CapturedAt = DateTime.UtcNow,
    };

    // The generated schema checks lengths and required values before anything is sent; its error names the DE
    // field, which maps back to the form field.
    try
    {
        DataExtensionJson.Validate(lead);
    }
    catch (DataExtensionValidationException e)
    {
        return Results.ValidationProblem(new Dictionary<string, string[]> { [FormField(e.FieldName)] = [e.Reason] });
    }

    var written = await sfmc.DataExtension<LeadsRow>().UpsertAsync([lead], cancellationToken: cancellationToken);
    if (written.FailedRows.Count > 0)
    {
        return Results.Problem($"SFMC refused the lead: {written.FailedRows[0].Message}", statusCode: StatusCodes.Status502BadGateway);
    }

    var eventInstanceId = await sfmc.Journeys.LeadNurture.EnterAsync(lead.Email, lead, cancellationToken);
    return Results.Created($"/leads/{Uri.EscapeDataString(lead.Email)}", new { email = lead.Email, eventInstanceId });
});

app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine($"Lead capture form on {string.Join(", ", app.Urls)} (Ctrl+C stops it)."));
await app.RunAsync();

static string? Text(IFormCollection form, string name) => form[name].ToString().Trim() is { Length: > 0 } value ? value : null;

static string FormField(string deField) => deField switch
{
    LeadsRow.Fields.Email => "email",
    LeadsRow.Fields.FirstName => "firstName",
    LeadsRow.Fields.LastName => "lastName",
    LeadsRow.Fields.Company => "company",
    _ => deField,
};
