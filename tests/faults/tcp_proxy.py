#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# tcp_proxy.py LISTEN_PORT TARGET_PORT: forwards 127.0.0.1:LISTEN_PORT to
# 127.0.0.1:TARGET_PORT until killed.  A test cuts a daemon off from Redis
# by killing it (every connection through it drops, new ones are refused)
# and reconnects it by starting it again on the same port.
import asyncio
import sys


async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def handle(creader, cwriter):
    try:
        sreader, swriter = await asyncio.open_connection('127.0.0.1', int(sys.argv[2]))
    except OSError:
        cwriter.close()
        return
    await asyncio.gather(pipe(creader, swriter), pipe(sreader, cwriter))


async def main():
    server = await asyncio.start_server(handle, '127.0.0.1', int(sys.argv[1]),
                                        reuse_address=True)
    async with server:
        await server.serve_forever()

asyncio.run(main())
