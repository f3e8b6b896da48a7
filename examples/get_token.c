/*
 * get_token.c - the smallest use of libsonarbadge: read one project's
 * badge token over verified TLS with the POSIX port.
 *
 *   SONAR_TOKEN=... get_token https://sonar.example.com my:project [CA.pem]
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
	char msg[SB_MAX_MESSAGE_LEN], token[SB_MAX_TOKEN_LEN + 1];
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
	cfg.ca_file = argc == 4 ? argv[3] : NULL; /* NULL: system bundle */

	err = sb_client_create(&cfg, &port, &client, msg, sizeof(msg));
	if (err != SB_OK) {
		fprintf(stderr, "get_token: %s\n", msg);
		return 1;
	}
	err = sb_token_get(client, argv[2], token, sizeof(token));
	if (err == SB_OK)
		printf("%s\n", token);
	else
		fprintf(stderr, "get_token: %s (%s)\n",
			sb_client_message(client), sb_err_name(err));
	sb_client_destroy(client);
	return err == SB_OK ? 0 : 1;
}
