/*
 * sb_badge_table.c - which badges each server's UI offers, in one table.
 * Every row says where it was read (SonarSource/sonarqube-webapp and
 * SonarSource/sonarqube at the tags and commits named; "inferred" where
 * no tag could be read).
 *
 * The UI builds its metric list from the server (api/webservices/list:
 * the measure action's metric parameter, possibleValues, in the server's
 * order; BadgeParams.tsx, later queries/badges.ts), defaults to
 * alert_status, and from 10.8 maps every key to the instance mode's
 * counterpart and drops duplicates (useBadgeMetrics, webapp 958bc6c0e6,
 * identical at tags 2025.1.0.10869 to sqcb-26.8.0), so it offers 12
 * badges on every version. The Markdown label of alert_status is the
 * l10n string metric.alert_status.name.
 */
#include <string.h>

#include "sb_client.h"
#include "sb_json.h"

/* MeasureAction.METRIC_NAME_BY_KEY on branch-9.9 (SonarSource/sonarqube
 * @3bd7855c) and on the 10.4 line (@ea0be0ea): the 12 classic keys in
 * the server's order, which the UI shows as it is. */
static const char *const classic[] = {
	"bugs",		     "code_smells",	    "coverage",
	"duplicated_lines_density", "ncloc",	    "sqale_rating",
	"alert_status",	     "reliability_rating", "security_hotspots",
	"security_rating",   "sqale_index",	    "vulnerabilities",
};

/* The 10.8 server order (@00e684ba) seen through the UI's mode map
 * (quality-gates.ts STANDARD_CONDITIONS_MAP / MQR_CONDITIONS_MAP). */
static const char *const standard_mode[] = {
	"coverage",	 "duplicated_lines_density", "ncloc",
	"alert_status",	 "security_hotspots",	     "bugs",
	"code_smells",	 "vulnerabilities",	     "sqale_rating",
	"reliability_rating", "security_rating",     "sqale_index",
};
static const char *const mqr_mode[] = {
	"coverage",
	"duplicated_lines_density",
	"ncloc",
	"alert_status",
	"security_hotspots",
	"software_quality_reliability_issues",
	"software_quality_maintainability_issues",
	"software_quality_security_issues",
	"software_quality_maintainability_rating",
	"software_quality_reliability_rating",
	"software_quality_security_rating",
	"software_quality_maintainability_remediation_effort",
};

/* metric.alert_status.name: "Quality Gate Status" up to Server 2025.6
 * and Community Build 26.7; "Quality gate status" from sqcb-26.8.0
 * (webapp commit 160e0ff0c5, "Apply sentence case"). */
#define QGS_TITLE "Quality Gate Status"
#define QGS_SENTENCE "Quality gate status"

typedef struct row {
	sb_flavour flavour;
	unsigned from_major, from_minor; /* inclusive */
	unsigned to_major, to_minor;	 /* inclusive */
	int by_mode;			 /* 10.8 and later: the mode decides */
	const char *label;
	const char *source;
} row;

static const row table[] = {
	/* 9.2 brought badge tokens; 9.9 LTA to 10.7 offer the classic 12
	 * (10.4-10.7 only add " (Deprecated)" to four dropdown labels). */
	{SB_FLAVOUR_SERVER, 9, 2, 10, 7, 0, QGS_TITLE,
	 "SonarQube 9.9-10.7 (MeasureAction @3bd7855c, @ea0be0ea)"},
	/* 10.8: MQR mode, the 19-key server list mapped by mode (10.8
	 * inferred from the v108 migrations beside the 10.8 changelog). */
	{SB_FLAVOUR_SERVER, 10, 8, 10, 99, 1, QGS_TITLE,
	 "SonarQube 10.8 (MeasureAction @00e684ba, webapp 958bc6c0e6)"},
	{SB_FLAVOUR_SERVER, 2025, 1, 2026, 3, 1, QGS_TITLE,
	 "SonarQube Server 2025.1-2026.3 (webapp tags 2025.1.0.10869 to "
	 "2025.6.0.117042; 2026.1-2026.3 inferred)"},
	/* 2026.4 was cut after the sentence-case change (inferred from the
	 * master commits around it). */
	{SB_FLAVOUR_SERVER, 2026, 4, 2026, 99, 1, QGS_SENTENCE,
	 "SonarQube Server 2026.4 and later 2026 releases (inferred)"},
	{SB_FLAVOUR_COMMUNITY_BUILD, 24, 12, 26, 7, 1, QGS_TITLE,
	 "Community Build 24.12-26.7 (webapp tags sqcb-25.1.0 to sqcb-26.7.0)"},
	{SB_FLAVOUR_COMMUNITY_BUILD, 26, 8, 26, 99, 1, QGS_SENTENCE,
	 "Community Build 26.8 (webapp tag sqcb-26.8.0)"},
};

static int in_range(const row *r, const sb_server_version *v)
{
	unsigned long at = (unsigned long)v->major * 1000u + v->minor;

	return r->flavour == v->flavour &&
	       at >= (unsigned long)r->from_major * 1000u + r->from_minor &&
	       at <= (unsigned long)r->to_major * 1000u + r->to_minor;
}

static void fill(sb_badge_offer *out, const char *const *keys, size_t n,
		 const char *label, const char *source)
{
	size_t i;

	for (i = 0; i < n && i < SB_MAX_OFFERED; i++)
		out->metrics[i] = keys[i];
	out->count = i;
	out->alert_status_label = label;
	out->source = source;
}

sb_err sb_badge_offer_for(const sb_server_version *v, int mqr,
			  sb_badge_offer *out)
{
	size_t i;

	if (!v || !out)
		return SB_ERR_INVALID_ARG;
	memset(out, 0, sizeof(*out));
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const row *r = &table[i];

		if (!in_range(r, v))
			continue;
		if (!r->by_mode)
			fill(out, classic, sizeof(classic) / sizeof(classic[0]),
			     r->label, r->source);
		else if (mqr)
			fill(out, mqr_mode, sizeof(mqr_mode) / sizeof(mqr_mode[0]),
			     r->label, r->source);
		else
			fill(out, standard_mode,
			     sizeof(standard_mode) / sizeof(standard_mode[0]),
			     r->label, r->source);
		return SB_OK;
	}
	return SB_ERR_UNSUPPORTED;
}

/* ---------------------------------------------------------------------
 * What the server says
 * ------------------------------------------------------------------- */

/* From 10.8: the instance's mode (GET /api/v2/clean-code-policy/mode,
 * {"mode":"MQR"|"STANDARD_EXPERIENCE"}; webapp api/mode.ts). *mqr -1
 * when it cannot be read. */
static void read_mode(sb_client *c, int *mqr)
{
	static const sb_request rq = {"GET", "/api/v2/clean-code-policy/mode",
				      NULL, 0, 0};
	char mode[32];
	sb_reply reply;
	int missing;

	*mqr = -1;
	if (sb_client_request(c, &rq, &reply) != SB_OK ||
	    reply.http->status != 200 ||
	    sb_json_get_string(&c->port, (const char *)reply.http->body.data,
			       reply.http->body.len, "mode", mode, sizeof(mode),
			       &missing) != SB_OK)
		return;
	if (strcmp(mode, "MQR") == 0)
		*mqr = 1;
	else if (strcmp(mode, "STANDARD_EXPERIENCE") == 0)
		*mqr = 0;
}

/* The known metric key equal to s, for pointers that outlive the body. */
static const char *known_key(const char *s)
{
	size_t i;

	for (i = 0; i < sb_badge_metric_count; i++)
		if (strcmp(sb_badge_metrics[i].key, s) == 0)
			return sb_badge_metrics[i].key;
	return NULL;
}

/* Find the object of array arr whose "key" member is key, or -1. */
static int with_key(const sb_json_doc *d, int arr, const char *key)
{
	char k[64];
	sb_json_iter it;
	int e, kv;

	sb_json_iter_init(d, arr, &it);
	while ((e = sb_json_iter_next(d, &it, NULL)) >= 0) {
		kv = sb_json_member(d, e, "key");
		if (kv >= 0 && sb_json_string(d, kv, k, sizeof(k)) == SB_OK &&
		    strcmp(k, key) == 0)
			return e;
	}
	return -1;
}

/*
 * The measure action's metric values from api/webservices/list, as the
 * UI reads them. SB_ERR_TOO_LARGE when the list does not fit the caps.
 */
static sb_err possible_values(sb_client *c, sb_badge_offer *out)
{
	static const sb_request rq = {"GET", "/api/webservices/list", NULL, 0, 0};
	sb_json_doc d;
	sb_json_iter it;
	sb_reply reply;
	sb_err err;
	int ws, svc, acts, act, params, par, vals, e;
	char val[80];

	err = sb_client_request(c, &rq, &reply);
	if (err != SB_OK)
		return err;
	if (reply.http->status != 200)
		return SB_ERR_UNSUPPORTED;
	err = sb_json_parse(&c->port, (const char *)reply.http->body.data,
			    reply.http->body.len, &d);
	if (err != SB_OK)
		return err;
	ws = sb_json_member(&d, 0, "webServices");
	svc = -1;
	if (ws >= 0) {
		sb_json_iter_init(&d, ws, &it);
		while ((e = sb_json_iter_next(&d, &it, NULL)) >= 0) {
			int pv = sb_json_member(&d, e, "path");

			if (pv >= 0 && sb_json_string(&d, pv, val, sizeof(val)) ==
					       SB_OK &&
			    strcmp(val, "api/project_badges") == 0) {
				svc = e;
				break;
			}
		}
	}
	acts = svc >= 0 ? sb_json_member(&d, svc, "actions") : -1;
	act = acts >= 0 ? with_key(&d, acts, "measure") : -1;
	params = act >= 0 ? sb_json_member(&d, act, "params") : -1;
	par = params >= 0 ? with_key(&d, params, "metric") : -1;
	vals = par >= 0 ? sb_json_member(&d, par, "possibleValues") : -1;
	out->count = 0;
	if (vals >= 0) {
		sb_json_iter_init(&d, vals, &it);
		while ((e = sb_json_iter_next(&d, &it, NULL)) >= 0 &&
		       out->count < SB_MAX_OFFERED) {
			const char *k;

			if (sb_json_string(&d, e, val, sizeof(val)) != SB_OK)
				continue;
			k = known_key(val); /* an unknown one has no label */
			if (k)
				out->metrics[out->count++] = k;
		}
	}
	sb_json_free(&d);
	return out->count ? SB_OK : SB_ERR_UNSUPPORTED;
}

/* 10.8 and later: keep the mode's counterparts only, as the UI does. */
static void by_mode(sb_badge_offer *o, int mqr)
{
	const char *const *keep = mqr ? mqr_mode : standard_mode;
	size_t i, k, w = 0;

	for (i = 0; i < o->count; i++) {
		for (k = 0; k < 12 && strcmp(keep[k], o->metrics[i]) != 0; k++)
			;
		if (k < 12)
			o->metrics[w++] = o->metrics[i];
	}
	o->count = w;
}

sb_err sb_badge_offer_get(sb_client *c, sb_badge_offer *out)
{
	sb_server_version v;
	sb_err err;
	int mqr = -1;

	if (!c || !out)
		return SB_ERR_INVALID_ARG;
	sb_client_begin(c);
	memset(out, 0, sizeof(*out));
	err = sb_client_version(c, &v);
	if (err != SB_OK)
		return err;
	if (v.flavour != SB_FLAVOUR_CLOUD &&
	    sb_version_at_least(&v, v.flavour == SB_FLAVOUR_SERVER ? 10 : 24,
				v.flavour == SB_FLAVOUR_SERVER ? 8 : 12))
		read_mode(c, &mqr);
	if (sb_badge_offer_for(&v, mqr != 0, out) == SB_OK) {
		if (mqr < 0 && out->metrics[0] != classic[0])
			sb_diag_trace(&c->diag, "* the instance's mode could not "
						"be read: MQR assumed (the "
						"default of new instances)");
		sb_diag_trace(&c->diag, "* badges as the UI of %s offers them",
			      out->source);
		sb_diag_clear(&c->diag);
		return SB_OK;
	}
	/* Outside the table (SonarQube Cloud, a newer release): the list
	 * the server gives, as the UI takes it; else the newest row. */
	err = possible_values(c, out);
	if (err == SB_OK) {
		if (mqr >= 0)
			by_mode(out, mqr);
		out->alert_status_label =
			v.flavour == SB_FLAVOUR_CLOUD ? QGS_TITLE : QGS_SENTENCE;
		out->source = "api/webservices/list";
		sb_diag_trace(&c->diag, "* %s is not in the badge table: the "
					"metrics of api/webservices/list",
			      v.text);
	} else {
		fill(out, mqr == 0 ? standard_mode : mqr_mode, 12,
		     v.flavour == SB_FLAVOUR_CLOUD ? QGS_TITLE : QGS_SENTENCE,
		     "the newest row of the badge table");
		sb_diag_trace(&c->diag, "* %s is not in the badge table and "
					"api/webservices/list could not be "
					"read: the newest row",
			      v.text);
	}
	sb_diag_clear(&c->diag);
	return SB_OK;
}

sb_err sb_branch_is_main(sb_client *c, const char *project, const char *branch,
			 int *is_main)
{
	char target[SB_MAX_KEY_LEN * 3 + 64], name[256];
	sb_request rq = {"GET", target, NULL, 0, 0};
	sb_op op = {"listing the branches", NULL, "api/project_branches/list",
		    NULL, 0};
	sb_json_doc d;
	sb_json_iter it;
	sb_reply reply;
	size_t len;
	int list, e, found = 0;
	sb_err err;

	if (!c || !project || !branch || !is_main)
		return SB_ERR_INVALID_ARG;
	sb_client_begin(c);
	*is_main = 0;
	op.project = project;
	sb_fmt(target, sizeof(target), "/api/project_branches/list?project=");
	len = strlen(target);
	if (sb_form_encode(project, target, sizeof(target), &len) != SB_OK)
		return sb_diag_fail(&c->diag, SB_ERR_INVALID_ARG,
				    "project key too long");
	err = sb_client_request(c, &rq, &reply);
	if (err != SB_OK)
		return err;
	if (reply.http->status != 200)
		return sb_client_status_fail(c, &reply, &op);
	err = sb_json_parse(&c->port, (const char *)reply.http->body.data,
			    reply.http->body.len, &d);
	if (err != SB_OK)
		return sb_diag_fail(&c->diag, SB_ERR_JSON,
				    "the server's api/project_branches/list "
				    "answer is not the expected JSON");
	list = sb_json_member(&d, 0, "branches");
	sb_json_iter_init(&d, list, &it);
	while (list >= 0 && (e = sb_json_iter_next(&d, &it, NULL)) >= 0) {
		int nv = sb_json_member(&d, e, "name");
		int mv = sb_json_member(&d, e, "isMain");

		if (nv < 0 || sb_json_string(&d, nv, name, sizeof(name)) != SB_OK ||
		    strcmp(name, branch) != 0)
			continue;
		found = 1;
		*is_main = sb_json_is_true(&d, mv);
		break;
	}
	sb_json_free(&d);
	if (!found) {
		char p[SB_MAX_KEY_LEN + 1], b[256];

		sb_printable(project, p, sizeof(p));
		sb_printable(branch, b, sizeof(b));
		return sb_diag_fail(&c->diag, SB_ERR_NOT_FOUND,
				    "project '%s' has no branch '%s'", p, b);
	}
	sb_diag_clear(&c->diag);
	return SB_OK;
}
