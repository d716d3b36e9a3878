package legacy;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

import java.io.IOException;

/**
 * The legacy WAR's own use of Redis, through the Redisson 3.x the WAR ships (compiled by the test against
 * that jar): GET counts in the Redis key {@code legacy:own} and answers the count, with the Redisson
 * version that served it in {@code X-Redisson}.
 */
public class LegacyRedisServlet extends HttpServlet {

    private RedissonClient client;

    @Override
    public void init() {
        Config config = new Config();
        config.useSingleServer().setAddress(System.getProperty("REDIS_URL"));
        client = Redisson.create(config);
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        long n = client.getAtomicLong("legacy:own").incrementAndGet();
        resp.setHeader("X-Redisson", String.valueOf(Redisson.class.getPackage().getImplementationVersion()));
        resp.setContentType("text/plain");
        resp.getWriter().print(n);
    }

    @Override
    public void destroy() {
        client.shutdown();
    }
}
