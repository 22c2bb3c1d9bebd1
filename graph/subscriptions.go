package graph

import (
	"context"
	"errors"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/gqlneo/gqlneo/apierr"
	"github.com/gqlneo/gqlneo/cypher"
	"github.com/gqlneo/gqlneo/domain"
	"github.com/gqlneo/gqlneo/events"
	"github.com/gqlneo/gqlneo/graph/model"
)

// The Subscription fields and the events the mutations publish for them.

// errTooManySubscriptions refuses a subscription over the per-connection or
// per-user limit.
var errTooManySubscriptions = apierr.New(apierr.SubscriptionLimit, "Too many subscriptions; end one before starting another.")

// errLiveOff answers subscriptions on a server built without a hub.
var errLiveOff = errors.New("graph: no live hub configured")

func (r *Resolver) feedLive(ctx context.Context) (<-chan *model.Post, error) {
	v, err := r.liveViewer(ctx)
	if err != nil {
		return nil, err
	}
	sel, err := r.rootSelection(ctx, "Post")
	if err != nil {
		return nil, err
	}
	return subscribeLive(ctx, r.Live, v, cypher.LiveFeed, "", sel, func(m map[string]any) *model.Post {
		return r.decode("Post", m, sel).(*model.Post)
	})
}

func (r *Resolver) postActivity(ctx context.Context, gid string) (<-chan *model.PostActivity, error) {
	id, err := parseID("postId", gid, "Post")
	if err != nil {
		return nil, err
	}
	v, err := r.liveViewer(ctx)
	if err != nil {
		return nil, err
	}
	// The post must be visible now; each event checks again.
	if _, err := r.Store.QueryNode(ctx, v, "Post", id, &cypher.Selection{Fields: []cypher.Field{{Key: "id", Name: "id"}}}); err != nil {
		return nil, withField(err, "postId")
	}
	sel, objs, err := r.eventSelection(ctx, "PostActivity")
	if err != nil {
		return nil, err
	}
	return subscribeLive(ctx, r.Live, v, cypher.LivePostActivity, id, sel, func(m map[string]any) *model.PostActivity {
		a := &model.PostActivity{}
		if k, ok := m["kind"].(string); ok {
			a.Kind = model.PostActivityKind(k)
		}
		a.At, _ = m["at"].(time.Time)
		a.Post, _ = r.eventObject(m, objs, "post").(*model.Post)
		a.Actor, _ = r.eventObject(m, objs, "actor").(*model.User)
		a.Comment, _ = r.eventObject(m, objs, "comment").(*model.Comment)
		return a
	})
}

func (r *Resolver) notifications(ctx context.Context) (<-chan *model.Notification, error) {
	v, err := r.liveViewer(ctx)
	if err != nil {
		return nil, err
	}
	sel, objs, err := r.eventSelection(ctx, "Notification")
	if err != nil {
		return nil, err
	}
	return subscribeLive(ctx, r.Live, v, cypher.LiveNotification, "", sel, func(m map[string]any) *model.Notification {
		n := &model.Notification{}
		if k, ok := m["kind"].(string); ok {
			n.Kind = model.NotificationKind(k)
		}
		n.At, _ = m["at"].(time.Time)
		n.Post, _ = r.eventObject(m, objs, "post").(*model.Post)
		n.Actor, _ = r.eventObject(m, objs, "actor").(*model.User)
		n.Comment, _ = r.eventObject(m, objs, "comment").(*model.Comment)
		return n
	})
}

// liveViewer is the signed-in viewer of a subscription, on a server with a hub.
func (r *Resolver) liveViewer(ctx context.Context) (domain.Viewer, error) {
	if r.Live == nil {
		return domain.Viewer{}, errLiveOff
	}
	return r.signedInViewer(ctx)
}

// eventTypes are the stored types of a wrapper's object fields.
var eventTypes = map[string]string{"post": "Post", "actor": "User", "comment": "Comment"}

// eventSelection is the current field's selection of the wrapper type typ
// (PostActivity, Notification), its object fields keyed by name with the
// selections of every alias merged; objs holds each object field's
// selection, for decoding.
func (r *Resolver) eventSelection(ctx context.Context, typ string) (*cypher.Selection, map[string]*cypher.Selection, error) {
	opCtx := graphql.GetOperationContext(ctx)
	fc := graphql.GetFieldContext(ctx)
	merged := &cypher.Selection{}
	for _, f := range graphql.CollectFields(opCtx, fc.Field.Selections, []string{typ}) {
		field := cypher.Field{Key: f.Name, Name: f.Name}
		if target, ok := eventTypes[f.Name]; ok {
			sub, err := r.selectionOf(opCtx, f.Selections, target)
			if err != nil {
				return nil, nil, err
			}
			field.Sub = sub
		}
		merged.Fields = append(merged.Fields, field)
	}
	sel := dedupe(merged)
	objs := map[string]*cypher.Selection{}
	for _, f := range sel.Fields {
		if _, ok := eventTypes[f.Name]; ok {
			objs[f.Name] = f.Sub
		}
	}
	return sel, objs, nil
}

// eventObject decodes the object field name of a wrapper's row, or nil.
func (r *Resolver) eventObject(m map[string]any, objs map[string]*cypher.Selection, name string) any {
	sel, ok := objs[name]
	if !ok {
		return nil
	}
	raw, _ := m[name].(map[string]any)
	if raw == nil {
		return nil
	}
	return r.decode(eventTypes[name], raw, sel)
}

// publish hands a committed write's event to the broker. It is called only
// after the Store call returned without error, that is after the write
// transaction committed; a broker failure is logged, never the mutation's
// error (its write stands).
func (r *Resolver) publish(ctx context.Context, e events.Event) {
	if r.Events == nil {
		return
	}
	e.At = time.Now().UTC()
	if err := r.Events.Publish(ctx, e); err != nil {
		r.Logger.ErrorContext(ctx, "publish event", "kind", string(e.Kind), "error", err.Error())
	}
}
