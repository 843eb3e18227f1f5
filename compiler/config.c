/*
 * config.c - Keras's own configuration file, keras.json.
 *
 * Keras reads $KERAS_HOME/keras.json, or ~/.keras/keras.json; kcc does the
 * same (or reads --keras-config FILE).  Three keys matter here:
 * image_data_format (the default data format of layers that do not set
 * one), epsilon (the default fuzz factor) and floatx (the element type of
 * the generated code).  A missing file means Keras's defaults.
 */
#include "compiler.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* keras.json holds a handful of keys. */
#define KERAS_CONFIG_MAX ((size_t)1 << 20)

static void config_error(Diag *d, const char *file, const char *key,
                         const char *expected, const cJSON *got)
{
    char *repr = json_repr(got);
    diag_error(d, "%s: %s: expected %s, got %s", file, key, expected, repr);
    free(repr);
}

bool keras_config_load(KerasConfig *kc, Diag *d, const char *path)
{
    kc->floatx = DT_F32;
    kc->image_data_format = FMT_CHANNELS_LAST;
    kc->epsilon = 1e-7;
    kc->source = NULL;

    char *file = NULL;
    bool explicit_file = path != NULL;
    if (path) {
        file = xstrdup(path);
    } else {
        const char *home = getenv("KERAS_HOME");
        if (home && *home) {
            file = xformat("%s/keras.json", home);
        } else {
            home = getenv("HOME");
            if (!home || !*home)
                return true;
            file = xformat("%s/.keras/keras.json", home);
        }
    }

    char *text;
    size_t len;
    kcc_error e;
    errno = 0;
    if (kcc_file_read(NULL, file, 0, KERAS_CONFIG_MAX, &text, &len, &e) != KCC_OK) {
        if (!explicit_file && errno == ENOENT) {
            free(file);
            return true;
        }
        diag_error(d, "%s: cannot read Keras configuration: %s", file, e.message);
        free(file);
        return false;
    }
    int before = d->errors;
    cJSON *root = json_parse(d, file, text, len);
    free(text);
    if (root && !cJSON_IsObject(root)) {
        diag_error(d, "%s: expected a JSON object, got %s", file, json_kind(root));
    } else if (root) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "floatx");
        if (v) {
            const char *s = cJSON_IsString(v) ? v->valuestring : "";
            if (strcmp(s, "float32") == 0)
                kc->floatx = DT_F32;
            else if (strcmp(s, "float64") == 0)
                kc->floatx = DT_F64;
            else if (strcmp(s, "float16") == 0 || strcmp(s, "bfloat16") == 0)
                diag_error(d, "%s: floatx: %s is not supported yet; use \"float32\" or \"float64\"",
                           file, s);
            else
                config_error(d, file, "floatx", "\"float32\" or \"float64\"", v);
        }
        v = cJSON_GetObjectItemCaseSensitive(root, "image_data_format");
        if (v) {
            const char *s = cJSON_IsString(v) ? v->valuestring : "";
            if (strcmp(s, "channels_last") == 0)
                kc->image_data_format = FMT_CHANNELS_LAST;
            else if (strcmp(s, "channels_first") == 0)
                kc->image_data_format = FMT_CHANNELS_FIRST;
            else
                config_error(d, file, "image_data_format",
                             "\"channels_last\" or \"channels_first\"", v);
        }
        v = cJSON_GetObjectItemCaseSensitive(root, "epsilon");
        if (v) {
            if (cJSON_IsNumber(v) && v->valuedouble > 0)
                kc->epsilon = v->valuedouble;
            else
                config_error(d, file, "epsilon", "a positive number", v);
        }
    }
    cJSON_Delete(root);
    if (d->errors > before) {
        free(file);
        return false;
    }
    kc->source = file;
    return true;
}
