/* SPDX-License-Identifier: MIT */
#include <jansson.h>

#include "emx2-api.h"
#include "limits.h"

#define EMX2_MESSAGE_MAX_BYTES LIMIT_SERVER_MESSAGE_BYTES
#define EMX2_TASK_MAX_DEPTH LIMIT_TASK_DEPTH
#define EMX2_TASK_ID_MAX_BYTES LIMIT_TASK_ID_BYTES

/* jansson's own json_decrefp(), spelled like the other cleanups. */
#define _cleanup_json_ _cleanup_(json_decrefp)

/* Wipes the bytes of a string that jansson holds (a password or a token) before it is freed. The
 * value is ours: jansson hands it out const only to keep callers from changing it by accident. */
static void json_string_wipe(json_t *s) {
        if (json_is_string(s))
                explicit_bzero((char *) json_string_value(s), json_string_length(s));
}

/* Parses a body that must be a JSON object. */
static json_t *load_object(const char *body, size_t size) {
        if (!body || size == 0)
                return NULL;
        /* \u0000 is allowed so that one such character does not lose a whole message; every
         * string is then handled with its length, and checked where NUL would matter. */
        json_t *j = json_loadb(body, size, JSON_ALLOW_NUL, NULL);
        if (j && !json_is_object(j)) {
                json_decref(j);
                return NULL;
        }
        return j;
}

/* Builds a message for people out of server text: control characters (C0, DEL, C1) become
 * spaces, each piece is trimmed, pieces are joined by "; ", and the whole is cut at
 * EMX2_MESSAGE_MAX_BYTES with "..." on a character boundary. The input is valid UTF-8 (jansson
 * checked it); the sequence lengths are still clamped so that a bad byte cannot overrun. */
typedef struct Text {
        char buf[EMX2_MESSAGE_MAX_BYTES + 1];
        size_t n;
        size_t n_pieces;
        bool cut;
} Text;

/* A string value equal to word, case-insensitively (an embedded NUL never matches). */
static bool json_string_caseeq(const json_t *j, const char *word) {
        return json_is_string(j) && json_string_length(j) == strlen(word) && strcaseeq(json_string_value(j), word);
}

static bool byte_is_blank(unsigned char c) {
        return c <= ' ' || c == 0x7f;
}

static size_t utf8_sequence_length(unsigned char c) {
        if (c < 0x80)
                return 1;
        if (c >= 0xf0)
                return 4;
        if (c >= 0xe0)
                return 3;
        if (c >= 0xc0)
                return 2;
        return 1; /* a stray continuation byte: copied alone */
}

/* Appends n bytes unless they would pass the limit; then the text is cut. */
static bool text_put(Text *t, const char *s, size_t n) {
        if (t->cut)
                return false;
        if (t->n + n > EMX2_MESSAGE_MAX_BYTES) {
                t->cut = true;
                return false;
        }
        memcpy(t->buf + t->n, s, n);
        t->n += n;
        return true;
}

static void text_append(Text *t, const char *s, size_t n) {
        /* Trim blanks at both ends. */
        while (n > 0 && byte_is_blank((unsigned char) s[0])) {
                s++;
                n--;
        }
        while (n > 0 && byte_is_blank((unsigned char) s[n - 1]))
                n--;
        if (n == 0)
                return;
        if (t->n_pieces++ > 0 && !text_put(t, "; ", 2))
                return;
        for (size_t i = 0; i < n;) {
                unsigned char c = (unsigned char) s[i];
                size_t len = utf8_sequence_length(c);
                if (len > n - i)
                        len = n - i;
                bool control = c < ' ' || c == 0x7f ||
                               (c == 0xc2 && len == 2 && (unsigned char) s[i + 1] >= 0x80 &&
                                (unsigned char) s[i + 1] <= 0x9f);
                if (!(control ? text_put(t, " ", 1) : text_put(t, s + i, len)))
                        return;
                i += len;
        }
}

/* The text as a malloc()ed string: NULL in *ret when empty. */
static int text_finish(Text *t, char **ret) {
        if (t->n == 0) {
                *ret = NULL;
                return 0;
        }
        if (t->cut) {
                size_t n = t->n;
                if (n > EMX2_MESSAGE_MAX_BYTES - 3) {
                        n = EMX2_MESSAGE_MAX_BYTES - 3;
                        /* Back to the start of a character. */
                        while (n > 0 && ((unsigned char) t->buf[n] & 0xc0) == 0x80)
                                n--;
                }
                memcpy(t->buf + n, "...", 3);
                t->n = n + 3;
        }
        t->buf[t->n] = 0;
        char *s = strndup(t->buf, t->n);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

/* A JSON string value as a cleaned message, NULL when absent, not a string or blank. */
static int json_text(const json_t *j, char **ret) {
        Text t = {};
        if (json_is_string(j))
                text_append(&t, json_string_value(j), json_string_length(j));
        return text_finish(&t, ret);
}

Emx2ErrorKind emx2_error_kind(const char *message) {
        if (isempty(message))
                return EMX2_ERROR_OTHER;
        if (strcasestr(message, "invalid token or token expired"))
                return EMX2_ERROR_TOKEN;
        if (strcasestr(message, "permission denied") || strcasestr(message, "unauthorized") ||
            strcasestr(message, "no permission"))
                return EMX2_ERROR_PERMISSION;
        if (strcasestr(message, "statement timeout") || strcasestr(message, "canceling statement"))
                return EMX2_ERROR_TIMEOUT;
        if (strcasestr(message, "not found") || strcasestr(message, "unknown table"))
                return EMX2_ERROR_NOT_FOUND;
        /* "Schema 'BBMRI-XX' unknown. Might you need to sign in or ask permission?" */
        const char *schema = strcasestr(message, "schema");
        if (schema && strcasestr(schema + strlen("schema"), "unknown"))
                return EMX2_ERROR_NOT_FOUND;
        return EMX2_ERROR_OTHER;
}

int emx2_parse_error(const char *body, size_t size, char **ret_message) {
        _cleanup_json_ json_t *root = load_object(body, size);
        if (!root)
                return -EBADMSG;
        /* EMX2's own {"errors":[{"message":...}]}, and GraphQL's, which adds "data",
         * "locations", "path" and "extensions" beside it. */
        const json_t *errors = json_object_get(root, "errors");
        if (!json_is_array(errors))
                return -EBADMSG;
        Text t = {};
        size_t i;
        const json_t *e;
        json_array_foreach (errors, i, e) {
                const json_t *m = json_is_object(e) ? json_object_get(e, "message") : e;
                if (json_is_string(m))
                        text_append(&t, json_string_value(m), json_string_length(m));
                if (t.cut)
                        break;
        }
        if (t.n_pieces == 0)
                return -EBADMSG;
        char *message;
        int r = text_finish(&t, &message);
        if (r < 0)
                return r;
        *ret_message = message;
        return 0;
}

#define SIGNIN_QUERY \
        "mutation($email:String,$password:String){signin(email:$email,password:$password){status message token}}"

int emx2_signin_request(const char *email, const char *password, char **ret_body, size_t *ret_size) {
        if (!email || !password || !ret_body || !ret_size)
                return -EINVAL;
        /* Not valid UTF-8: json_pack() refuses it before copying anything. */
        json_t *j = json_pack("{s:s, s:{s:s, s:s}}", "query", SIGNIN_QUERY, "variables", "email", email, "password",
                              password);
        if (!j)
                return -EINVAL;
        /* json_dumpb() writes straight into our buffer; json_dumps() would grow a buffer of its
         * own and leave earlier copies of the password in freed memory. */
        const size_t flags = JSON_COMPACT | JSON_PRESERVE_ORDER;
        int r = 0;
        char *body = NULL;
        size_t n = json_dumpb(j, NULL, 0, flags);
        if (n == 0) {
                r = -ENOMEM;
                goto finish;
        }
        body = malloc(n + 1);
        if (!body) {
                r = -ENOMEM;
                goto finish;
        }
        if (json_dumpb(j, body, n, flags) != n) {
                explicit_bzero(body, n);
                body = mfree(body);
                r = -ENOMEM;
                goto finish;
        }
        body[n] = 0;
finish:
        json_string_wipe(json_object_get(json_object_get(j, "variables"), "password"));
        json_decref(j);
        if (r < 0)
                return r;
        *ret_body = body;
        *ret_size = n;
        return 0;
}

/* A token goes into an HTTP header: printable ASCII without spaces only. */
static bool token_is_valid(const char *s, size_t n) {
        if (n == 0 || n > LIMIT_SECRET_FILE_BYTES)
                return false;
        for (size_t i = 0; i < n; i++)
                if ((unsigned char) s[i] <= ' ' || (unsigned char) s[i] >= 0x7f)
                        return false;
        return true;
}

static void erase_and_freep(char **p) {
        if (*p) {
                explicit_bzero(*p, strlen(*p));
                free(*p);
        }
}

int emx2_parse_signin(const char *body, size_t size, char **ret_token, char **reterr_message) {
        if (!ret_token || !reterr_message)
                return -EINVAL;
        _cleanup_json_ json_t *root = load_object(body, size);
        if (!root)
                return -EBADMSG;
        json_t *signin = json_object_get(json_object_get(root, "data"), "signin");
        const json_t *status = json_object_get(signin, "status");
        /* Take the token out at once, so that no path leaves it in jansson's freed memory. */
        json_t *token = json_object_get(signin, "token");
        _cleanup_(erase_and_freep) char *t = NULL;
        bool token_ok = json_is_string(token) && token_is_valid(json_string_value(token), json_string_length(token));
        if (token_ok)
                t = strndup(json_string_value(token), json_string_length(token));
        json_string_wipe(token);
        if (token_ok && !t)
                return -ENOMEM;

        if (!json_is_string(status))
                return -EBADMSG;
        if (json_string_caseeq(status, "SUCCESS")) {
                if (!t)
                        return -EBADMSG;
                *ret_token = TAKE_PTR(t);
                return 0;
        }
        if (!json_string_caseeq(status, "FAILED"))
                return -EBADMSG;
        char *message;
        int r = json_text(json_object_get(signin, "message"), &message);
        if (r < 0)
                return r;
        if (!message && !(message = strdup("sign-in failed")))
                return -ENOMEM;
        *reterr_message = message;
        return -EACCES;
}

static bool task_id_is_valid(const char *s, size_t n) {
        if (n == 0 || n > EMX2_TASK_ID_MAX_BYTES)
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = s[i];
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '_'))
                        return false;
        }
        return true;
}

static bool url_is_valid(const char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                if ((unsigned char) s[i] <= ' ' || (unsigned char) s[i] >= 0x7f)
                        return false;
        return n > 0;
}

int emx2_parse_task_reference(const char *body, size_t size, char **ret_id, char **ret_url) {
        if (!ret_id || !ret_url)
                return -EINVAL;
        _cleanup_json_ json_t *root = load_object(body, size);
        if (!root)
                return -EBADMSG;
        const json_t *id = json_object_get(root, "id"), *url = json_object_get(root, "url");
        if (!json_is_string(id) || !task_id_is_valid(json_string_value(id), json_string_length(id)))
                return -EBADMSG;
        if (url && !json_is_null(url) &&
            (!json_is_string(url) || !url_is_valid(json_string_value(url), json_string_length(url))))
                return -EBADMSG;
        _cleanup_free_ char *i = strndup(json_string_value(id), json_string_length(id));
        _cleanup_free_ char *u = json_is_string(url) ? strndup(json_string_value(url), json_string_length(url)) : NULL;
        if (!i || (json_is_string(url) && !u))
                return -ENOMEM;
        *ret_id = TAKE_PTR(i);
        *ret_url = TAKE_PTR(u);
        return 0;
}

static const char *const task_status_names[] = {
        [EMX2_TASK_WAITING] = "WAITING",
        [EMX2_TASK_RUNNING] = "RUNNING",
        [EMX2_TASK_COMPLETED] = "COMPLETED",
        [EMX2_TASK_WARNING] = "WARNING",
        [EMX2_TASK_SKIPPED] = "SKIPPED",
        [EMX2_TASK_ERROR] = "ERROR",
        [EMX2_TASK_UNKNOWN] = "UNKNOWN",
};

/* The status of a task object, or -EBADMSG. */
static int task_status(const json_t *task) {
        const json_t *s = json_object_get(task, "status");
        for (size_t i = 0; i < ELEMENTSOF(task_status_names); i++)
                if (json_string_caseeq(s, task_status_names[i]))
                        return (int) i;
        return -EBADMSG;
}

static bool json_is_text(const json_t *j) {
        if (!json_is_string(j))
                return false;
        const char *s = json_string_value(j);
        for (size_t i = 0; i < json_string_length(j); i++)
                if (!byte_is_blank((unsigned char) s[i]))
                        return true;
        return false;
}

/* The first sub-task in ERROR with a description, depth first with children before their
 * parent: the innermost failure is the one naming the table. */
static const json_t *task_find_error(const json_t *task, unsigned depth) {
        if (depth >= EMX2_TASK_MAX_DEPTH)
                return NULL;
        const json_t *subs = json_object_get(task, "subTasks");
        if (!json_is_array(subs))
                return NULL;
        size_t i;
        const json_t *sub;
        json_array_foreach (subs, i, sub) {
                if (!json_is_object(sub))
                        continue;
                const json_t *found = task_find_error(sub, depth + 1);
                if (found)
                        return found;
                if (task_status(sub) == EMX2_TASK_ERROR && json_is_text(json_object_get(sub, "description")))
                        return sub;
        }
        return NULL;
}

int emx2_parse_task(const char *body, size_t size, Emx2TaskStatus *ret_status, char **ret_description) {
        if (!ret_status || !ret_description)
                return -EINVAL;
        _cleanup_json_ json_t *root = load_object(body, size);
        if (!root)
                return -EBADMSG;
        int status = task_status(root);
        if (status < 0)
                return status;
        const json_t *described = root;
        if (status == EMX2_TASK_ERROR)
                described = task_find_error(root, 0) ?: root;
        char *description;
        int r = json_text(json_object_get(described, "description"), &description);
        if (r < 0)
                return r;
        *ret_status = (Emx2TaskStatus) status;
        *ret_description = description;
        return 0;
}

bool emx2_task_status_is_final(Emx2TaskStatus s) {
        switch (s) {
        case EMX2_TASK_WAITING:
        case EMX2_TASK_RUNNING:
                return false;
        default:
                return true;
        }
}
