/*
 * mbedtls_full_bare_metal.h - for the size table only: mbedTLS 2.28's
 * default configuration (include/mbedtls/config.h, everything a desktop
 * build has) with what cannot exist without an operating system taken
 * out, as MBEDTLS_USER_CONFIG_FILE. Compare with the client-only
 * port/mbedtls/sb_mbedtls_cortex_m.h.
 */
#undef MBEDTLS_NET_C
#undef MBEDTLS_TIMING_C
#undef MBEDTLS_FS_IO
#undef MBEDTLS_HAVE_TIME
#undef MBEDTLS_HAVE_TIME_DATE
#undef MBEDTLS_PSA_ITS_FILE_C
#undef MBEDTLS_PSA_CRYPTO_STORAGE_C
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_PLATFORM_MEMORY
