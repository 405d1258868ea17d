vcl 4.1;
# Varnish in front of gunicorn (README, "Betrieb in Produktion"). Caches what Django marks
# public (Cache-Control: s-maxage/max-age), never the admin, documents or anyone with a
# session; accepts PURGE from this host only: Wagtail's frontend cache
# (FRONTEND_CACHE_URL=http://127.0.0.1:6081) purges a page when it is published or withdrawn.

backend default {
    .host = "127.0.0.1";
    .port = "8000";
    .connect_timeout = 5s;
    .first_byte_timeout = 60s;
}

acl purge {
    "localhost";
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (!client.ip ~ purge) {
            return (synth(405, "PURGE not allowed"));
        }
        return (purge);
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # The admin, permission-checked documents and logged-in editors (session, CSRF or
    # message cookie) always reach Django.
    if (req.url ~ "^/(admin|django-admin|dokumente)/") {
        return (pass);
    }
    if (req.http.Cookie ~ "(^|;\s*)(sessionid|csrftoken|messages)=") {
        return (pass);
    }
    # Anything else a browser sends (analytics cookies of other sites on the domain) does
    # not change a public page.
    unset req.http.Cookie;
    return (hash);
}

sub vcl_backend_response {
    # A response that sets a cookie is somebody's, not everybody's.
    if (beresp.http.Set-Cookie) {
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }
}

sub vcl_deliver {
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}
