/*
 * rotate_one.c - rotate one project's badge token with libsonarbadge and
 * print the new badge Markdown. The renewal is the library's: read the
 * old token, POST renew_token, read the new one; the POST is never
 * repeated blindly when the connection breaks after it was sent.
 *
 *   SONAR_TOKEN=... rotate_one https://sonar.example.com my:project [CA.pem]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sb_port_posix.h"
#include "sonarbadge/sonarbadge.h"

int main(int argc, char **argv)
{
	sb_port port;
	sb_posix_ctx px;
	sb_config cfg;
	sb_client *client;
	sb_badge_spec spec;
	char msg[SB_MAX_MESSAGE_LEN], md[4096];
	char old_tok[SB_MAX_TOKEN_LEN + 1], new_tok[SB_MAX_TOKEN_LEN + 1];
	sb_err err;

	if (argc < 3 || argc > 4 || !getenv("SONAR_TOKEN")) {
		fprintf(stderr, "usage: SONAR_TOKEN=... %s BASE_URL PROJECT "
				"[CA_FILE]\n",
			argv[0]);
		return 2;
	}
	sb_port_posix_init(&port, &px);
	memset(&cfg, 0, sizeof(cfg));
	cfg.base_url = argv[1];
	cfg.user_token = getenv("SONAR_TOKEN");
	cfg.ca_file = argc == 4 ? argv[3] : NULL;

	err = sb_client_create(&cfg, &port, &client, msg, sizeof(msg));
	if (err != SB_OK) {
		fprintf(stderr, "rotate_one: %s\n", msg);
		return 1;
	}
	err = sb_token_renew(client, argv[2], old_tok, sizeof(old_tok),
			     new_tok, sizeof(new_tok));
	if (err != SB_OK) {
		fprintf(stderr, "rotate_one: %s (%s)\n",
			sb_client_message(client), sb_err_name(err));
		sb_client_destroy(client);
		return 1;
	}
	memset(&spec, 0, sizeof(spec));
	spec.base_url = sb_client_base_url(client);
	spec.project = argv[2];
	spec.metric = "alert_status";
	spec.token = new_tok;
	spec.sonarcloud = sb_client_is_sonarcloud(client);
	if (sb_badge_markdown(&spec, md, sizeof(md)) == SB_OK)
		printf("%s\n", md);
	memset(old_tok, 0, sizeof(old_tok));
	memset(new_tok, 0, sizeof(new_tok));
	sb_client_destroy(client);
	return 0;
}
