package io.walstream.serve;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.stream.ChunkedNioFile;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers one request at a time per connection: {@code GET|HEAD /wal/NAME} with the file's plain bytes (always with
 * Content-Length), {@code GET /} with a small JSON status. Every refused request is one log line; a file the archive
 * does not have is a 404, which {@code curl -f} turns into the non-zero exit PostgreSQL reads as "not archived".
 */
@ChannelHandler.Sharable
final class WalHttpHandler extends SimpleChannelInboundHandler<HttpRequest> {

    private static final Logger log = LoggerFactory.getLogger(WalHttpHandler.class);
    private static final int CHUNK = 64 * 1024;

    private final WalFileSource source;
    private final byte[] expectedAuthorization;

    WalHttpHandler(WalFileSource source, String token) {
        this.source = source;
        this.expectedAuthorization = token == null ? null : ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (!request.decoderResult().isSuccess()) {
            refuse(ctx, request, HttpResponseStatus.BAD_REQUEST, "malformed request", false);
            return;
        }
        HttpMethod method = request.method();
        if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
            FullHttpResponse r = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "only GET and HEAD\n");
            r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            log.warn("refused {} {} from {}: 405", method, printable(request.uri()), ctx.channel().remoteAddress());
            send(ctx, r, keepAlive);
            return;
        }
        if (!authorized(request)) {
            FullHttpResponse r = text(HttpResponseStatus.UNAUTHORIZED, "a bearer token is required\n");
            r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"walstream\"");
            log.warn("refused {} {} from {}: 401 (no or wrong bearer token)", method, printable(request.uri()),
                    ctx.channel().remoteAddress());
            send(ctx, r, keepAlive);
            return;
        }
        WalFileRequest wanted = WalFileRequest.parse(request.uri());
        if (wanted == null) {
            refuse(ctx, request, HttpResponseStatus.BAD_REQUEST, "not a WAL, history or backup file name", keepAlive);
            return;
        }
        boolean head = method.equals(HttpMethod.HEAD);
        if (wanted.isStatus()) {
            source.fetchStatus().whenComplete((json, error) -> ctx.executor().execute(() -> {
                if (error != null) {
                    log.warn("could not read the archive's status: {}", cause(error).toString());
                    send(ctx, text(HttpResponseStatus.INTERNAL_SERVER_ERROR, cause(error).getMessage() + "\n"),
                            keepAlive);
                    return;
                }
                FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        Unpooled.copiedBuffer(json, StandardCharsets.UTF_8));
                r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
                sendMaybeHead(ctx, r, head, keepAlive);
            }));
            return;
        }
        source.fetch(wanted).whenComplete((body, error) -> ctx.executor().execute(() -> {
            if (!ctx.channel().isActive()) {
                if (body != null) {
                    body.ifPresent(WalBody::discard);
                }
                return;
            }
            if (error != null) {
                Throwable e = cause(error);
                String message = e instanceof WalFileSource.DamagedFileException ? e.getMessage()
                        : "could not read " + wanted + ": " + e;
                log.warn("{} {}: 500 {}", method, wanted, message);
                send(ctx, text(HttpResponseStatus.INTERNAL_SERVER_ERROR, message + "\n"), keepAlive);
            } else if (body.isEmpty()) {
                log.debug("{} {}: 404", method, wanted);
                send(ctx, text(HttpResponseStatus.NOT_FOUND, "not in the archive: " + wanted + "\n"), keepAlive);
            } else {
                sendBody(ctx, body.get(), head, keepAlive);
            }
        }));
    }

    private void sendBody(ChannelHandlerContext ctx, WalBody body, boolean head, boolean keepAlive) {
        HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
        HttpUtil.setContentLength(r, body.length());
        if (keepAlive) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        if (head) {
            body.discard();
            FullHttpResponse full = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.EMPTY_BUFFER, r.headers(), io.netty.handler.codec.http.EmptyHttpHeaders.INSTANCE);
            finish(ctx.writeAndFlush(full), keepAlive);
            return;
        }
        ctx.write(r);
        ChannelFuture done;
        if (body instanceof WalBody.OpenFile file) {
            if (ctx.pipeline().get(SslHandler.class) == null) {
                ctx.write(new DefaultFileRegion(file.channel(), 0, file.length())); // sendfile; closes the channel
                done = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            } else {
                try {
                    done = ctx.writeAndFlush(new HttpChunkedInput(new ChunkedNioFile(file.channel(), 0,
                            file.length(), CHUNK)));
                } catch (java.io.IOException e) {
                    file.discard();
                    ctx.close();
                    return;
                }
            }
        } else {
            byte[] content = ((WalBody.Bytes) body).content();
            ctx.write(Unpooled.wrappedBuffer(content));
            done = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        finish(done, keepAlive);
    }

    private boolean authorized(HttpRequest request) {
        if (expectedAuthorization == null) {
            return true;
        }
        String given = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        return given != null && MessageDigest.isEqual(expectedAuthorization, given.getBytes(StandardCharsets.UTF_8));
    }

    private static void refuse(ChannelHandlerContext ctx, HttpRequest request, HttpResponseStatus status, String why,
            boolean keepAlive) {
        log.warn("refused {} {} from {}: {} {}", request.method(), printable(request.uri()),
                ctx.channel().remoteAddress(), status.code(), why);
        send(ctx, text(status, why + "\n"), keepAlive);
    }

    private static void sendMaybeHead(ChannelHandlerContext ctx, FullHttpResponse r, boolean head, boolean keepAlive) {
        HttpUtil.setContentLength(r, r.content().readableBytes());
        if (head) {
            r.content().clear();
        }
        finish(ctx.writeAndFlush(r), keepAlive);
    }

    private static void send(ChannelHandlerContext ctx, FullHttpResponse r, boolean keepAlive) {
        HttpUtil.setContentLength(r, r.content().readableBytes());
        finish(ctx.writeAndFlush(r), keepAlive);
    }

    private static void finish(ChannelFuture done, boolean keepAlive) {
        done.addListener(keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE : ChannelFutureListener.CLOSE);
    }

    private static FullHttpResponse text(HttpResponseStatus status, String body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        return r;
    }

    private static Throwable cause(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    /** A request line as one printable log line, however hostile: control characters shown, length capped. */
    static String printable(String uri) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < uri.length() && i < 100; i++) {
            char c = uri.charAt(i);
            sb.append(c < 0x20 || c > 0x7e ? String.format("\\x%02x", (int) c & 0xff) : c);
        }
        return uri.length() > 100 ? sb + "..." : sb.toString();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("connection from {} closed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
