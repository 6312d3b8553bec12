'use strict'
// typescript-to-lua plugin: JavaScript's bitwise operators for Redis's Lua.
//
// tstl refuses `&`, `|`, `^`, `<<`, `>>` and `~` for luaTarget 5.1 (plain Lua
// 5.1 has no bitwise operators). Redis's Lua 5.1 ships the LuaBitOp `bit`
// library, whose band/bor/bxor/lshift/arshift/bnot take and return signed
// 32-bit integers exactly as JavaScript's operators do, so each operator maps
// one-to-one to a call. `>>>` is left out on purpose: JavaScript returns an
// unsigned result there and bit.rshift a signed one, so tstl's own error
// ("not supported") is the honest answer for it. So are compound assignments
// (`&=`, ...): the engine uses none.
//
// This keeps the engine idiomatic TypeScript (src/engine/acl.ts, reads.ts,
// writes.ts test permission and create-mode bits with `&` and `|`).

const ts = require('typescript')
const lua = require('typescript-to-lua')

const BINARY = new Map([
  [ts.SyntaxKind.AmpersandToken, 'band'],
  [ts.SyntaxKind.BarToken, 'bor'],
  [ts.SyntaxKind.CaretToken, 'bxor'],
  [ts.SyntaxKind.LessThanLessThanToken, 'lshift'],
  [ts.SyntaxKind.GreaterThanGreaterThanToken, 'arshift'],
])

function bitCall (name, args, node) {
  const fn = lua.createTableIndexExpression(lua.createIdentifier('bit'), lua.createStringLiteral(name))
  return lua.createCallExpression(fn, args, node)
}

/** @type {import('typescript-to-lua').Plugin} */
const plugin = {
  visitors: {
    [ts.SyntaxKind.BinaryExpression] (node, context) {
      const name = BINARY.get(node.operatorToken.kind)
      if (name === undefined) return context.superTransformExpression(node)
      return bitCall(name, [context.transformExpression(node.left), context.transformExpression(node.right)], node)
    },
    [ts.SyntaxKind.PrefixUnaryExpression] (node, context) {
      if (node.operator !== ts.SyntaxKind.TildeToken) return context.superTransformExpression(node)
      return bitCall('bnot', [context.transformExpression(node.operand)], node)
    },
  },
}

module.exports = plugin
